"""Celery task of the notification log: send one notification, retrying temporary gateway failures with backoff."""

import logging

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded

from notifications.backends import TemporaryFailure
from notifications.models import Notification
from notifications.services import notification_fail, notification_send

logger = logging.getLogger(__name__)

MAX_RETRIES = 5


class SendNotificationTask(Task):
    """Marks the notification failed when the task gives up: retries exhausted or an unexpected error."""

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        notification_id = kwargs.get("notification_id", args[0] if args else None)
        if notification_id is None:
            return
        reason = exc.reason if isinstance(exc, TemporaryFailure) else f"{type(exc).__name__}: {exc}"
        try:
            notification_fail(
                notification_id=notification_id, error=f"gave up after {self.request.retries + 1} tries: {reason}"
            )
        except Notification.DoesNotExist:
            logger.warning("notification %s no longer exists: nothing to mark failed", notification_id)


@shared_task(
    bind=True,
    base=SendNotificationTask,
    name="notifications.send_notification",
    # A soft time limit can strike during the gateway call; the idempotency key makes the retry safe.
    autoretry_for=(TemporaryFailure, SoftTimeLimitExceeded),
    retry_backoff=30,
    retry_backoff_max=30 * 60,
    retry_jitter=True,
    max_retries=MAX_RETRIES,
    acks_late=True,
    # A worker that dies mid-send hands the task back to the queue; the service then finds the row sent or resends
    # with the same idempotency key, which the gateway answers without sending again.
    reject_on_worker_lost=True,
    soft_time_limit=60,
    time_limit=90,
)
def send_notification_task(self, notification_id: int) -> str:
    return notification_send(notification_id=notification_id).status
