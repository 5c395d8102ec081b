"""notification_create: channel, language and recipient chosen from the customer; one row per intervention."""

import pytest

from customers.models import Channel
from customers.tests.factories import CustomerFactory
from interventions.tests.factories import InterventionFactory
from notifications import services
from notifications.backends import mock_device_token
from notifications.models import Notification, NotificationStatus
from notifications.services import NoReachableChannel, NotificationError, notification_create

pytestmark = pytest.mark.django_db


def create(intervention, texts, **kwargs):
    return notification_create(customer=intervention.customer, intervention=intervention, **texts, **kwargs)


@pytest.mark.parametrize(
    ("language", "subject", "body"),
    [
        ("bn", "রহিমা, আমরা আপনাকে মিস করছি", "রহিমা, আমরা আপনাকে মিস করছি! পরবর্তী ৩টি বুকিংয়ে ৫০০ টাকা ছাড়।"),
        ("en", "We miss you, Rahima", "Rahima, we miss you! Get Tk 500 off your next 3 bookings."),
    ],
)
def test_the_message_is_in_the_customers_language(make_intervention, texts, language, subject, body):
    # given
    intervention = make_intervention(language=language, preferred_channel=Channel.SMS, phone="+8801711000001")

    # when
    notification = create(intervention, texts)

    # then
    assert (notification.language, notification.subject, notification.body) == (language, subject, body)
    assert (notification.channel, notification.recipient) == ("sms", "+8801711000001")
    assert (notification.status, notification.attempts) == (NotificationStatus.QUEUED, 0)


def test_a_missing_translation_falls_back_to_the_other_language(make_intervention, texts):
    # given
    intervention = make_intervention(language="bn")
    texts.update(subject_bn="", body_bn="  ")

    # when
    notification = create(intervention, texts)

    # then
    assert (notification.language, notification.body) == ("en", texts["body_en"])


@pytest.mark.parametrize(
    ("preferred", "phone", "email", "channel", "recipient"),
    [
        ("sms", "+8801711000002", "a@example.com", "sms", "+8801711000002"),
        ("email", "+8801711000002", "a@example.com", "email", "a@example.com"),
        ("email", "+8801711000002", "", "sms", "+8801711000002"),  # no email address: SMS
        ("sms", "", "a@example.com", "email", "a@example.com"),  # no phone number: email
        ("push", "", "", "push", "TOKEN"),
    ],
)
def test_channel_and_recipient_follow_the_preference_with_fallbacks(
    make_intervention, texts, preferred, phone, email, channel, recipient
):
    # given
    intervention = make_intervention(preferred_channel=preferred, phone=phone, email=email)
    if recipient == "TOKEN":
        recipient = mock_device_token(intervention.customer.external_id)

    # when
    notification = create(intervention, texts)

    # then
    assert (notification.channel, notification.recipient) == (channel, recipient)


def test_a_customer_without_phone_or_email_cannot_be_reached(make_intervention, texts):
    # given
    intervention = make_intervention(preferred_channel=Channel.EMAIL, phone="", email="")

    # when
    with pytest.raises(NoReachableChannel, match="neither a phone number nor an email address"):
        create(intervention, texts)

    # then
    assert Notification.objects.count() == 0


def test_an_explicit_channel_without_its_contact_detail_is_an_error(make_intervention, texts):
    # given
    intervention = make_intervention(preferred_channel=Channel.SMS, email="")

    # when
    with pytest.raises(NoReachableChannel, match="has no Email contact"):
        create(intervention, texts, channel=Channel.EMAIL)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"body_en": "", "body_bn": " "}, "empty in both languages"),
        ({"channel": "fax"}, "unknown channel 'fax'"),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(make_intervention, texts, change, message):
    # given
    intervention = make_intervention()
    texts.update({key: value for key, value in change.items() if key != "channel"})

    # when
    with pytest.raises(NotificationError, match=message):
        create(intervention, texts, channel=change.get("channel"))

    # then
    assert Notification.objects.count() == 0


def test_an_intervention_of_another_customer_is_refused(texts):
    # given
    intervention = InterventionFactory()

    # when
    with pytest.raises(NotificationError, match="belongs to customer"):
        notification_create(customer=CustomerFactory(), intervention=intervention, **texts)


def test_creating_twice_gives_one_row(make_intervention, texts):
    # given
    intervention = make_intervention(preferred_channel=Channel.SMS)
    first = create(intervention, texts)

    # when
    intervention.customer.preferred_channel = Channel.EMAIL  # a changed preference does not send the offer again
    intervention.customer.save()
    second = create(intervention, texts)

    # then
    assert second.pk == first.pk
    assert Notification.objects.filter(intervention=intervention).count() == 1


def test_a_concurrent_create_that_wins_the_insert_is_returned(make_intervention, texts, monkeypatch):
    # given: another request inserts its row after our lookup found nothing
    intervention = make_intervention(preferred_channel=Channel.SMS)
    theirs = create(intervention, texts)
    monkeypatch.setattr(services, "_existing", lambda *, intervention, channel: None if channel is None else theirs)

    # when
    ours = create(intervention, texts)

    # then
    assert ours.pk == theirs.pk
    assert Notification.objects.filter(intervention=intervention).count() == 1
