"""The notification admin's "Retry sending" action."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.urls import reverse

from customers.models import Channel
from customers.tests.factories import StaffUserFactory
from notifications.backends import BLOCKED, TIMEOUT, sms_gateway
from notifications.models import NotificationStatus
from notifications.services import notification_create, notification_fail, notification_send

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:notifications_notification_changelist"


@pytest.fixture
def create(make_intervention, texts):
    def make(phone):
        intervention = make_intervention(preferred_channel=Channel.SMS, phone=phone)
        return notification_create(customer=intervention.customer, intervention=intervention, **texts)

    return make


def retry(client, notifications, capture):
    with capture(execute=True):
        response = client.post(
            reverse(CHANGELIST),
            {"action": "retry_sending", "_selected_action": [n.pk for n in notifications]},
            follow=True,
        )
    return response, [str(message) for message in get_messages(response.wsgi_request)]


def test_retry_sends_a_given_up_notification_and_leaves_permanent_and_sent_ones(
    admin_client, create, django_capture_on_commit_callbacks
):
    # given
    gave_up = create("+8801711000011")
    sms_gateway.fail(kind=TIMEOUT, times=1, to="8801711000011")
    with pytest.raises(Exception, match="timeout"):
        notification_send(notification_id=gave_up.pk)
    notification_fail(notification_id=gave_up.pk, error="gave up after 6 tries: timeout")
    blocked = create("+8801711000012")
    sms_gateway.fail(kind=BLOCKED, times=1, to="8801711000012")
    notification_send(notification_id=blocked.pk)
    sent = create("+8801711000013")
    notification_send(notification_id=sent.pk)

    # when
    response, messages = retry(admin_client, [gave_up, blocked, sent], django_capture_on_commit_callbacks)

    # then
    assert response.status_code == 200
    gave_up.refresh_from_db()
    blocked.refresh_from_db()
    assert (gave_up.status, gave_up.attempts, gave_up.error) == (NotificationStatus.SENT, 2, "")
    assert (blocked.status, blocked.attempts) == (NotificationStatus.FAILED, 1)
    assert [message.to for message in sms_gateway.outbox] == ["8801711000013", "8801711000011"]
    assert messages == [
        "1 notification(s) queued for sending again.",
        "1 sent or delivered notification(s) left alone.",
        f"Not retried: notification {blocked.pk} failed permanently (SMS gateway answered 4003: MSISDN "
        "8801711000012 is on the operator's do-not-disturb list); correct the customer's contact details and "
        "send a new notification",
    ]


def test_the_action_is_offered_to_queue_staff_but_not_to_analysts(client, create):
    # given
    create("+8801711000015")
    analyst = StaffUserFactory()
    analyst.user_permissions.add(Permission.objects.get(codename="view_notification"))
    staff = StaffUserFactory()
    staff.user_permissions.add(
        Permission.objects.get(codename="view_notification"), Permission.objects.get(codename="change_intervention")
    )

    # when
    client.force_login(analyst)
    analyst_page = client.get(reverse(CHANGELIST))
    client.force_login(staff)
    staff_page = client.get(reverse(CHANGELIST))

    # then
    assert analyst_page.status_code == staff_page.status_code == 200
    assert "retry_sending" not in analyst_page.text
    assert "retry_sending" in staff_page.text


def test_the_change_page_lists_the_attempts(admin_client, create):
    # given
    notification = create("+8801711000014")
    sms_gateway.fail(kind=TIMEOUT, times=1)
    with pytest.raises(Exception, match="timeout"):
        notification_send(notification_id=notification.pk)
    notification_send(notification_id=notification.pk)

    # when
    response = admin_client.get(reverse("admin:notifications_notification_change", args=[notification.pk]))

    # then
    assert response.status_code == 200
    assert "Temporary failure (will retry)" in response.text
    assert "SMS gateway timeout: read timed out after 10 s" in response.text
