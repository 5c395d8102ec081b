"""send_notification_task: retries temporary failures with backoff, gives up into `failed`, never sends twice."""

import pytest
from django.db import transaction

from customers.models import Channel
from notifications.backends import BLOCKED, TIMEOUT, TIMEOUT_AFTER_ACCEPT, TemporaryFailure, sms_gateway
from notifications.models import AttemptOutcome, NotificationStatus
from notifications.services import notification_create, notification_enqueue
from notifications.tasks import MAX_RETRIES, send_notification_task

pytestmark = pytest.mark.django_db

T, S, P = AttemptOutcome.TEMPORARY_FAILURE, AttemptOutcome.SENT, AttemptOutcome.PERMANENT_FAILURE


@pytest.fixture(autouse=True)
def eager_retries(monkeypatch):
    """Eager retries run inline only when exceptions are not propagated (a propagated Retry ends the chain)."""
    monkeypatch.setitem(send_notification_task.app.conf, "task_eager_propagates", False)


@pytest.fixture
def notification(make_intervention, texts):
    intervention = make_intervention(preferred_channel=Channel.SMS, phone="+8801711000004")
    return notification_create(customer=intervention.customer, intervention=intervention, **texts)


def test_the_task_is_configured_for_safe_retries():
    # then
    task = send_notification_task
    assert (task.max_retries, task.retry_backoff, task.retry_backoff_max, task.retry_jitter) == (5, 30, 1800, True)
    assert TemporaryFailure in task.autoretry_for
    assert (task.acks_late, task.reject_on_worker_lost) == (True, True)
    assert (task.soft_time_limit, task.time_limit) == (60, 90)


def test_temporary_failures_are_retried_until_the_message_goes_out(notification):
    # given
    sms_gateway.fail(kind=TIMEOUT, times=2)

    # when
    result = send_notification_task.apply(args=(notification.pk,))

    # then
    assert result.get() == NotificationStatus.SENT
    notification.refresh_from_db()
    assert (notification.status, notification.attempts, notification.error) == ("sent", 3, "")
    assert list(notification.attempt_log.values_list("outcome", flat=True)) == [T, T, S]
    assert len(sms_gateway.outbox) == 1


def test_a_retry_after_the_gateway_accepted_sends_one_message(notification):
    # given: the first answer is lost after the gateway sent the SMS
    sms_gateway.fail(kind=TIMEOUT_AFTER_ACCEPT, times=1)

    # when
    send_notification_task.apply(args=(notification.pk,))

    # then
    [message] = sms_gateway.outbox
    notification.refresh_from_db()
    assert (notification.status, notification.attempts, notification.gateway_message_id) == (
        "sent",
        2,
        message.message_id,
    )


def test_after_the_last_retry_the_notification_is_failed(notification):
    # given
    sms_gateway.fail(kind=TIMEOUT, times=MAX_RETRIES + 1)

    # when
    result = send_notification_task.apply(args=(notification.pk,))

    # then
    assert (result.state, type(result.result)) == ("FAILURE", TemporaryFailure)
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (NotificationStatus.FAILED, 6)
    assert notification.error == "gave up after 6 tries: SMS gateway timeout: read timed out after 10 s"
    assert sms_gateway.outbox == []


def test_a_permanent_failure_is_not_retried(notification):
    # given
    sms_gateway.fail(kind=BLOCKED, times=1)

    # when
    result = send_notification_task.apply(args=(notification.pk,))

    # then
    assert result.get() == NotificationStatus.FAILED
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == ("failed", 1)
    assert list(notification.attempt_log.values_list("outcome", flat=True)) == [P]


def test_running_the_task_again_does_not_send_again(notification):
    # given
    send_notification_task.apply(args=(notification.pk,))

    # when
    result = send_notification_task.apply(args=(notification.pk,))

    # then
    assert result.get() == NotificationStatus.SENT
    assert len(sms_gateway.outbox) == 1


def test_enqueue_sends_only_after_the_transaction_commits(notification, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        notification_enqueue(notification=notification)

    # then
    assert len(callbacks) == 1
    assert sms_gateway.outbox == []

    # when
    callbacks[0]()

    # then
    notification.refresh_from_db()
    assert (notification.status, len(sms_gateway.outbox)) == ("sent", 1)


def test_enqueue_does_not_raise_into_the_caller_when_the_send_fails_for_now(
    notification, monkeypatch, django_capture_on_commit_callbacks
):
    # given: eager Celery as in `make demo`, where a retry cannot wait
    monkeypatch.setitem(send_notification_task.app.conf, "task_eager_propagates", True)
    sms_gateway.fail(kind=TIMEOUT, times=1)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        notification_enqueue(notification=notification)

    # then
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (NotificationStatus.QUEUED, 1)


def test_a_deleted_notification_fails_the_task_without_a_second_error(notification):
    # given
    notification_id = notification.pk
    notification.delete()

    # when
    result = send_notification_task.apply(args=(notification_id,))

    # then
    assert result.state == "FAILURE"
    assert type(result.result).__name__ == "DoesNotExist"
