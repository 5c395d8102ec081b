"""Celery tasks of the approval queue: thin wrappers around interventions.services."""

import logging

from celery import shared_task

from interventions.services.proposals import interventions_propose
from interventions.services.queue import intervention_send, interventions_expire

logger = logging.getLogger(__name__)


@shared_task(name="interventions.send", autoretry_for=(OSError,), retry_backoff=30, max_retries=5, acks_late=True)
def send_intervention_task(intervention_id: int) -> str:
    return intervention_send(intervention_id=intervention_id).status


@shared_task(name="interventions.propose", soft_time_limit=10 * 60, time_limit=12 * 60)
def propose_interventions_task(as_of: str | None = None) -> dict:
    import datetime as dt

    run = interventions_propose(as_of=dt.date.fromisoformat(as_of) if as_of else None)
    return {"as_of": run.as_of.isoformat(), "proposed": run.proposed, "control": run.control}


@shared_task(name="interventions.expire")
def expire_interventions_task() -> dict:
    return interventions_expire()


@shared_task(name="interventions.nightly", soft_time_limit=5 * 60, time_limit=6 * 60)
def nightly_task(as_of: str | None = None) -> dict:
    """Beat's nightly job: score the customers in chunks spread over the workers, then (a chord's callback, once every
    chunk is written) propose, send, expire and judge outcomes. `manage.py run_nightly` runs the same in one process."""

    from celery import chord

    from predictions.tasks import score_chunk_signatures

    day, chunks = score_chunk_signatures(as_of)
    chord(chunks)(nightly_callback(day))
    return {"as_of": day, "chunks": len(chunks)}


def nightly_callback(day: str):
    """The chord's body: proposing once every chunk is scored. If a chunk fails for good the body never runs, and if
    the body itself fails part of the night's work is missing: either way its error callback says so loudly."""
    return nightly_after_scoring_task.s(day).on_error(nightly_failed_task.s())


@shared_task(name="interventions.nightly_failed")
def nightly_failed_task(request, exc, traceback) -> None:
    logger.error(
        "nightly retention run %s failed: %r; tonight's proposals, sends, expiries or outcomes may be missing "
        "(a scoring chunk that fails stops them all; rerun with `manage.py run_nightly --as-of`)",
        request.id,
        exc,
    )


@shared_task(name="interventions.nightly_after_scoring", soft_time_limit=30 * 60, time_limit=35 * 60)
def nightly_after_scoring_task(scored_per_chunk: list[int], as_of: str) -> dict:
    import datetime as dt

    from interventions.services.nightly import nightly_after_scoring

    run = nightly_after_scoring(as_of=dt.date.fromisoformat(as_of), scored=sum(scored_per_chunk))
    return {"as_of": run.as_of.isoformat(), "scored": run.scored, "sent": run.sent, **run.outcomes}
