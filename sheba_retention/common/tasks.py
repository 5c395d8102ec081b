"""Queueing a Celery task from a request or a service: one quick try at the broker, and the caller decides what an
outage means (the broker's timeouts are in settings: CELERY_BROKER_CONNECTION_TIMEOUT and the publish retry policy).

What only needs the database goes on without the task (an approval is recorded; the nightly run sends what is
approved but unsent); what cannot answers 503 (sheba_retention.common.api.errors.BrokerUnavailableError)."""

import logging

from celery import Task
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)


class BrokerUnavailable(Exception):
    """The task queue could not be reached; nothing was queued."""


def task_enqueue(task: Task, *args) -> None:
    """Queue `task(*args)` now, without waiting for its result (with eager Celery it runs here and now). A task that
    reads rows the caller is writing is queued from `transaction.on_commit`, so a worker never looks before they exist.

    Raises BrokerUnavailable when the broker cannot be reached."""
    try:
        task.apply_async(args, ignore_result=True)
    except (OperationalError, OSError) as exc:
        logger.warning("could not queue %s: the task queue is unreachable (%s)", task.name, type(exc).__name__)
        raise BrokerUnavailable(f"the task queue is unreachable, so {task.name} was not queued") from exc
