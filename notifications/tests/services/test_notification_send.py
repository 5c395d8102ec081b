"""notification_send: the state machine that sends each notification once, whatever fails on the way."""

import pytest
from django.core import mail
from django.utils import timezone

from customers.models import Channel
from notifications.backends import BLOCKED, TIMEOUT, TemporaryFailure, push_gateway, sms_gateway
from notifications.models import AttemptOutcome, Notification, NotificationStatus
from notifications.services import (
    NotificationError,
    idempotency_key,
    notification_create,
    notification_fail,
    notification_mark_delivered,
    notification_send,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def sms_notification(make_intervention, texts):
    intervention = make_intervention(language="bn", preferred_channel=Channel.SMS, phone="+8801711000003")
    return notification_create(customer=intervention.customer, intervention=intervention, **texts)


def attempt_outcomes(notification: Notification) -> list[str]:
    return list(notification.attempt_log.values_list("outcome", flat=True))


def test_send_marks_the_notification_sent_with_the_gateways_id(sms_notification, texts):
    # when
    notification = notification_send(notification_id=sms_notification.pk)

    # then
    [message] = sms_gateway.outbox
    assert (message.to, message.body, message.client_reference) == (
        "8801711000003",
        texts["body_bn"],
        f"sheba-notification-{sms_notification.pk}",
    )
    notification.refresh_from_db()
    assert (notification.status, notification.attempts, notification.error) == (NotificationStatus.SENT, 1, "")
    assert notification.gateway_message_id == message.message_id
    assert notification.sent_at == message.accepted_at
    assert attempt_outcomes(notification) == [AttemptOutcome.SENT]


def test_sending_twice_sends_one_message(sms_notification):
    # given
    notification_send(notification_id=sms_notification.pk)

    # when
    again = notification_send(notification_id=sms_notification.pk)

    # then
    assert len(sms_gateway.outbox) == 1
    assert (again.status, again.attempts) == (NotificationStatus.SENT, 1)


def test_a_temporary_failure_keeps_it_queued_and_raises_for_the_retry(sms_notification):
    # given
    sms_gateway.fail(kind=TIMEOUT, times=1)

    # when
    with pytest.raises(TemporaryFailure, match="timeout"):
        notification_send(notification_id=sms_notification.pk)

    # then
    sms_notification.refresh_from_db()
    assert (sms_notification.status, sms_notification.attempts) == (NotificationStatus.QUEUED, 1)
    assert sms_notification.error == "SMS gateway timeout: read timed out after 10 s"
    assert attempt_outcomes(sms_notification) == [AttemptOutcome.TEMPORARY_FAILURE]
    assert sms_gateway.outbox == []


def test_a_permanent_failure_marks_it_failed_with_the_reason(sms_notification):
    # given
    sms_gateway.fail(kind=BLOCKED, times=1)

    # when
    notification = notification_send(notification_id=sms_notification.pk)
    again = notification_send(notification_id=sms_notification.pk)

    # then
    assert (notification.status, notification.attempts) == (NotificationStatus.FAILED, 1)
    assert notification.error == (
        "SMS gateway answered 4003: MSISDN 8801711000003 is on the operator's do-not-disturb list"
    )
    assert (again.status, again.attempts) == (NotificationStatus.FAILED, 1)
    assert attempt_outcomes(notification) == [AttemptOutcome.PERMANENT_FAILURE]
    assert sms_gateway.outbox == []


def test_a_lost_database_write_after_the_gateway_sent_does_not_send_twice(sms_notification, monkeypatch):
    # given: the gateway accepts, then the worker dies before the row says so
    original_save = Notification.save

    def crash_once(self, *args, **kwargs):
        monkeypatch.setattr(Notification, "save", original_save)
        raise RuntimeError("worker died")

    monkeypatch.setattr(Notification, "save", crash_once)
    with pytest.raises(RuntimeError, match="worker died"):
        notification_send(notification_id=sms_notification.pk)
    sms_notification.refresh_from_db()
    assert (sms_notification.status, sms_notification.attempts, len(sms_gateway.outbox)) == ("queued", 0, 1)

    # when: the task is delivered again
    notification = notification_send(notification_id=sms_notification.pk)

    # then
    [message] = sms_gateway.outbox
    assert (notification.status, notification.gateway_message_id) == (NotificationStatus.SENT, message.message_id)


def test_email_for_a_bengali_customer_goes_through_djangos_outbox_once(make_intervention, texts):
    # given
    intervention = make_intervention(language="bn", preferred_channel=Channel.EMAIL, email="rahima@example.com")
    created = notification_create(customer=intervention.customer, intervention=intervention, **texts)

    # when
    notification = notification_send(notification_id=created.pk)
    notification_send(notification_id=created.pk)

    # then
    [email] = mail.outbox
    assert (email.to, email.subject, email.body) == (["rahima@example.com"], texts["subject_bn"], texts["body_bn"])
    assert email.extra_headers["X-Idempotency-Key"] == idempotency_key(created)
    assert (notification.channel, notification.status) == (Channel.EMAIL, NotificationStatus.SENT)
    assert notification.gateway_message_id == email.extra_headers["Message-ID"].strip("<>")


def test_push_goes_to_the_customers_mock_device(make_intervention, texts):
    # given
    intervention = make_intervention(language="en", preferred_channel=Channel.PUSH)
    created = notification_create(customer=intervention.customer, intervention=intervention, **texts)

    # when
    notification = notification_send(notification_id=created.pk)

    # then
    [message] = push_gateway.outbox
    assert (message.to, message.title, message.body) == (created.recipient, texts["subject_en"], texts["body_en"])
    assert notification.gateway_message_id == message.message_id == "PUSH-00000001"


def test_a_delivery_report_marks_it_delivered(sms_notification):
    # given
    notification_send(notification_id=sms_notification.pk)
    [report] = sms_gateway.deliver()

    # when
    notification = notification_mark_delivered(gateway_message_id=report.message_id, delivered_at=report.delivered_at)
    repeated = notification_mark_delivered(gateway_message_id=report.message_id)

    # then
    assert (notification.status, notification.delivered_at) == (NotificationStatus.DELIVERED, report.delivered_at)
    assert (repeated.status, repeated.delivered_at) == (NotificationStatus.DELIVERED, report.delivered_at)


@pytest.mark.parametrize(
    ("gateway_message_id", "message"),
    [("SMS-99999999", "no notification was sent with the gateway message id 'SMS-99999999'"), ("", "without")],
)
def test_a_delivery_report_for_an_unknown_message_is_an_error(sms_notification, gateway_message_id, message):
    # when
    with pytest.raises(NotificationError, match=message):
        notification_mark_delivered(gateway_message_id=gateway_message_id)


def test_a_delivery_report_for_a_failed_notification_changes_nothing(sms_notification):
    # given
    Notification.objects.filter(pk=sms_notification.pk).update(status="failed", gateway_message_id="SMS-1")

    # when
    with pytest.raises(NotificationError, match="only a sent message can be delivered"):
        notification_mark_delivered(gateway_message_id="SMS-1", delivered_at=timezone.now())

    # then
    sms_notification.refresh_from_db()
    assert (sms_notification.status, sms_notification.delivered_at) == ("failed", None)


def test_giving_up_fails_a_queued_notification_but_never_a_sent_one(sms_notification, make_intervention, texts):
    # given
    sent_intervention = make_intervention()
    sent = notification_create(customer=sent_intervention.customer, intervention=sent_intervention, **texts)
    notification_send(notification_id=sent.pk)

    # when
    failed = notification_fail(notification_id=sms_notification.pk, error="gave up after 6 tries: timeout")
    still_sent = notification_fail(notification_id=sent.pk, error="late failure")

    # then
    assert (failed.status, failed.error) == (NotificationStatus.FAILED, "gave up after 6 tries: timeout")
    assert (still_sent.status, still_sent.error) == (NotificationStatus.SENT, "")


def test_a_gateway_bug_rolls_the_attempt_back(sms_notification, monkeypatch):
    # given
    def broken(**kwargs):
        raise ZeroDivisionError("bug")

    monkeypatch.setattr(sms_gateway, "send_sms", broken)

    # when
    with pytest.raises(ZeroDivisionError):
        notification_send(notification_id=sms_notification.pk)

    # then
    sms_notification.refresh_from_db()
    assert (sms_notification.status, sms_notification.attempts, attempt_outcomes(sms_notification)) == ("queued", 0, [])
