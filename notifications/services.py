"""Writes of the notification log: create a message once per intervention, send it once, track its delivery.

The state machine: queued → sent → delivered, or queued → failed. `notification_send` locks the row, so two
workers holding the same task (a retry racing a redelivery) send once; the gateway's idempotency key (derived
from the notification's id) makes a resend after a lost database write a no-op at the gateway as well.
"""

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from customers.models import Channel, Customer, Language
from notifications.backends import PermanentFailure, TemporaryFailure, backend_for, mock_device_token
from notifications.models import AttemptOutcome, Notification, NotificationAttempt, NotificationStatus
from sheba_retention.common.models import CustomerRecord
from sheba_retention.common.tasks import BrokerUnavailable, task_enqueue

logger = logging.getLogger(__name__)

DONE = (NotificationStatus.SENT, NotificationStatus.DELIVERED)


class NotificationError(Exception):
    """A notification request that cannot be carried out; the message says why."""


class NoReachableChannel(NotificationError):
    """The customer has no contact detail for any channel we could use."""


def idempotency_key(notification: Notification) -> str:
    """The key the gateway deduplicates on: one per notification, the same on every retry."""
    return f"sheba-notification-{notification.pk}"


def _recipient(customer: Customer, channel: str) -> str:
    if channel == Channel.SMS:
        return customer.phone
    if channel == Channel.EMAIL:
        return customer.email
    # Customers have no device table yet: the push token is derived from the customer (see mock_device_token).
    return mock_device_token(customer.external_id)


def notification_channel_choose(*, customer: Customer, channel: str | None = None) -> tuple[str, str]:
    """(channel, recipient) for a customer: the requested channel, else the preferred one, falling back to SMS when
    the email address is missing and to email when the phone number is missing."""
    if channel is not None:
        if channel not in Channel.values:
            raise NotificationError(f"unknown channel {channel!r}; one of {', '.join(Channel.values)}")
        if not (recipient := _recipient(customer, channel)):
            raise NoReachableChannel(f"customer {customer.external_id} has no {Channel(channel).label} contact")
        return channel, recipient
    for candidate in (customer.preferred_channel, Channel.SMS, Channel.EMAIL):
        if recipient := _recipient(customer, candidate):
            return candidate, recipient
    raise NoReachableChannel(f"customer {customer.external_id} has neither a phone number nor an email address")


def _existing(*, intervention: CustomerRecord, channel: str | None) -> Notification | None:
    notifications = Notification.objects.filter(intervention_id=intervention.pk)
    if channel is not None:
        notifications = notifications.filter(channel=channel)
    return notifications.order_by("created_at", "pk").first()


@transaction.atomic
def notification_create(
    *,
    customer: Customer,
    intervention: CustomerRecord | None,
    subject_en: str,
    subject_bn: str,
    body_en: str,
    body_bn: str,
    channel: str | None = None,
) -> Notification:
    """The queued notification of an intervention, in the customer's language, on their channel; made once.

    Idempotent: without `channel`, any notification the intervention already has is returned (a changed channel
    preference does not send the offer a second time); with `channel`, the one on that channel. Concurrent calls
    meet at the (intervention, channel) unique constraint and all get the same row. Without an intervention
    nothing deduplicates. Raises NoReachableChannel when the customer cannot be reached, NotificationError for
    bad input.
    """
    if intervention is not None and intervention.customer_id != customer.pk:
        raise NotificationError(
            f"intervention {intervention.pk} belongs to customer {intervention.customer_id}, not {customer.pk}"
        )
    if not (body_en.strip() or body_bn.strip()):
        raise NotificationError("the message body is empty in both languages")
    if intervention is not None and (found := _existing(intervention=intervention, channel=channel)):
        return found

    chosen_channel, recipient = notification_channel_choose(customer=customer, channel=channel)
    language = customer.language
    texts: dict[str, tuple[str, str]] = {
        Language.BENGALI: (subject_bn, body_bn),
        Language.ENGLISH: (subject_en, body_en),
    }
    subject, body = texts[language]
    if not body.strip():  # no translation: send the other language rather than nothing
        language = Language.ENGLISH if language == Language.BENGALI else Language.BENGALI
        subject, body = texts[language]

    notification = Notification(
        customer=customer,
        intervention_id=intervention.pk if intervention is not None else None,
        channel=chosen_channel,
        language=language,
        recipient=recipient,
        subject=subject,
        body=body,
    )
    notification.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            notification.save(force_insert=True)
    except IntegrityError:
        # Another request created it between our lookup and our insert: theirs is the one.
        existing = _existing(intervention=intervention, channel=chosen_channel) if intervention else None
        if existing is None:
            raise
        return existing
    logger.info("notification %s queued: %s to customer %s", notification.pk, chosen_channel, customer.external_id)
    return notification


def _record_attempt(notification: Notification, outcome: str, *, gateway_message_id: str = "", error: str = ""):
    NotificationAttempt.objects.create(
        notification=notification,
        number=notification.attempts,
        outcome=outcome,
        gateway_message_id=gateway_message_id,
        error=error[:255],
    )


def notification_send(*, notification_id: int) -> Notification:
    """Send a queued notification through its channel's backend, once.

    Sent, delivered and failed notifications are returned unchanged. A TemporaryFailure leaves the notification
    queued with the error and is raised again so the task retries; a PermanentFailure marks it failed.
    """
    temporary: TemporaryFailure | None = None
    with transaction.atomic():
        notification = Notification.objects.select_for_update().get(pk=notification_id)
        if notification.status != NotificationStatus.QUEUED:
            logger.info("notification %s is %s already: not sent again", notification.pk, notification.status)
            return notification
        notification.attempts += 1
        backend = backend_for(notification.channel)
        try:
            # The row lock is held during the call, so a second worker waits here and then finds it sent.
            result = backend.send(
                recipient=notification.recipient,
                subject=notification.subject,
                body=notification.body,
                idempotency_key=idempotency_key(notification),
            )
        except TemporaryFailure as exc:
            temporary = exc
            notification.error = exc.reason[:255]
            notification.save(update_fields=["attempts", "error", "updated_at"])
            _record_attempt(notification, AttemptOutcome.TEMPORARY_FAILURE, error=exc.reason)
            logger.warning(
                "notification %s attempt %s failed, will retry: %s", notification.pk, notification.attempts, exc
            )
        except PermanentFailure as exc:
            notification.status = NotificationStatus.FAILED
            notification.error = exc.reason[:255]
            notification.save(update_fields=["status", "attempts", "error", "updated_at"])
            _record_attempt(notification, AttemptOutcome.PERMANENT_FAILURE, error=exc.reason)
            logger.warning("notification %s failed for good: %s", notification.pk, exc)
        else:
            notification.status = NotificationStatus.SENT
            notification.gateway_message_id = result.gateway_message_id
            notification.sent_at = result.accepted_at
            notification.error = ""
            notification.save(
                update_fields=["status", "attempts", "gateway_message_id", "sent_at", "error", "updated_at"]
            )
            _record_attempt(notification, AttemptOutcome.SENT, gateway_message_id=result.gateway_message_id)
            logger.info(
                "notification %s sent as %s (%s segment(s), Tk %s)",
                notification.pk,
                result.gateway_message_id,
                result.segments,
                result.cost_tk,
            )
    if temporary is not None:
        raise temporary
    return notification


@transaction.atomic
def notification_fail(*, notification_id: int, error: str) -> Notification:
    """Give up on a queued notification (retries exhausted, task crashed); sent ones stay as they are."""
    notification = Notification.objects.select_for_update().get(pk=notification_id)
    if notification.status != NotificationStatus.QUEUED:
        return notification
    notification.status = NotificationStatus.FAILED
    notification.error = error[:255]
    notification.save(update_fields=["status", "error", "updated_at"])
    logger.error("notification %s given up after %s attempt(s): %s", notification.pk, notification.attempts, error)
    return notification


def notification_retry(*, notification_id: int) -> Notification:
    """Queue a failed (or stuck queued) notification again and enqueue its send; used by the admin.

    A permanent failure (invalid number, blocked recipient) is not retried: NotificationError says why. A sent or
    delivered notification is never sent again.
    """
    with transaction.atomic():
        notification = Notification.objects.select_for_update().get(pk=notification_id)
        if notification.status in DONE:
            raise NotificationError(f"notification {notification.pk} is {notification.status} already")
        if notification.status == NotificationStatus.FAILED:
            last = notification.attempt_log.order_by("-number").first()
            if last is not None and last.outcome == AttemptOutcome.PERMANENT_FAILURE:
                raise NotificationError(
                    f"notification {notification.pk} failed permanently ({notification.error}); "
                    "correct the customer's contact details and send a new notification"
                )
            notification.status = NotificationStatus.QUEUED
            notification.save(update_fields=["status", "updated_at"])
        notification_enqueue(notification=notification)
    return notification


def notification_enqueue(*, notification: Notification) -> None:
    """Send the notification from a worker once the surrounding transaction commits (at once outside one).

    `robust`: the caller's transaction has committed by then, so a broker outage (or, with eager Celery, a send
    that failed for now) is logged rather than raised into it; the notification stays queued for a retry.
    """
    from notifications.tasks import send_notification_task

    notification_id = notification.pk

    def enqueue() -> None:
        try:
            task_enqueue(send_notification_task, notification_id)
        except BrokerUnavailable:
            logger.warning("notification %s stays queued until the task queue is back", notification_id)

    transaction.on_commit(enqueue, robust=True)


STALE_QUEUED = dt.timedelta(minutes=15)


def notifications_requeue_stale(*, now: dt.datetime | None = None) -> int:
    """Queue again the notifications still queued and never tried after STALE_QUEUED (their task was lost: a broker
    outage when they were queued). Sending is idempotent, so one queued twice still goes out once."""
    cutoff = (now or timezone.now()) - STALE_QUEUED
    stale = Notification.objects.filter(status=NotificationStatus.QUEUED, attempts=0, created_at__lt=cutoff)
    count = 0
    for notification in stale.only("pk"):
        notification_enqueue(notification=notification)
        count += 1
    return count


@transaction.atomic
def notification_mark_delivered(*, gateway_message_id: str, delivered_at: dt.datetime | None = None) -> Notification:
    """Apply a delivery report: sent → delivered. A repeated report changes nothing; an unknown id is an error."""
    if not gateway_message_id:
        raise NotificationError("a delivery report without a gateway message id")
    notification = Notification.objects.select_for_update().filter(gateway_message_id=gateway_message_id).first()
    if notification is None:
        raise NotificationError(f"no notification was sent with the gateway message id {gateway_message_id!r}")
    if notification.status == NotificationStatus.DELIVERED:
        return notification
    if notification.status != NotificationStatus.SENT:
        raise NotificationError(
            f"notification {notification.pk} is {notification.status}: only a sent message can be delivered"
        )
    delivered_at = delivered_at or timezone.now()
    if timezone.is_naive(delivered_at):
        raise NotificationError("delivered_at must be timezone-aware")
    notification.status = NotificationStatus.DELIVERED
    notification.delivered_at = delivered_at
    notification.save(update_fields=["status", "delivered_at", "updated_at"])
    return notification
