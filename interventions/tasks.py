"""Celery tasks of the approval queue: thin wrappers around interventions.services."""

import logging

from celery import shared_task
from django.conf import settings

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

    import datetime as dt

    from celery import chord

    from interventions.services.nightly import nightly_started
    from predictions.services.scoring import scoring_plan
    from predictions.tasks import score_chunk_signatures

    plan = scoring_plan(as_of=dt.date.fromisoformat(as_of) if as_of else None, chunk_size=settings.SCORING_CHUNK_SIZE)
    nightly_started(as_of=plan.as_of, chunks=plan.chunks, versions=plan.versions)
    day = plan.as_of.isoformat()
    chord(score_chunk_signatures(plan))(nightly_callback(day))
    return {"as_of": day, "chunks": len(plan.chunks)}


def nightly_callback(day: str):
    """The chord's body: proposing once every chunk is scored. If a chunk fails for good the body never runs, and if
    the body itself fails part of the night's work is missing: either way its error callback records it, and the
    watchdog (nightly_watchdog_task) resumes the night at the deadline."""
    return nightly_after_scoring_task.s(day).on_error(nightly_failed_task.s(as_of=day))


@shared_task(name="interventions.nightly_failed")
def nightly_failed_task(request, exc, traceback, as_of: str | None = None) -> None:
    import datetime as dt

    from interventions.services.nightly import nightly_failed

    logger.error(
        "nightly retention run %s as of %s failed: %r; the watchdog resumes it at the deadline "
        "(or rerun it with `manage.py run_nightly --as-of`)",
        request.id,
        as_of,
        exc,
    )
    if as_of:
        nightly_failed(as_of=dt.date.fromisoformat(as_of), error=f"{type(exc).__name__}: {exc}")


@shared_task(name="interventions.nightly_watchdog", soft_time_limit=30 * 60, time_limit=35 * 60)
def nightly_watchdog_task() -> dict:
    """Beat, at the deadline: a night that is not complete is logged as an error, recorded, and resumed."""
    from interventions.services.nightly import nightly_watch

    record = nightly_watch()
    return {"resumed": record.as_of.isoformat() if record else None}


@shared_task(name="interventions.nightly_after_scoring", soft_time_limit=30 * 60, time_limit=35 * 60)
def nightly_after_scoring_task(scored_per_chunk: list[int], as_of: str) -> dict:
    import datetime as dt

    from interventions.services.nightly import nightly_after_scoring

    run = nightly_after_scoring(as_of=dt.date.fromisoformat(as_of), scored=sum(scored_per_chunk))
    return {"as_of": run.as_of.isoformat(), "scored": run.scored, "sent": run.sent, **run.outcomes}
