"""Celery tasks of the approval queue: thin wrappers around interventions.services."""

from celery import shared_task

from interventions.services.proposals import interventions_propose
from interventions.services.queue import intervention_send, interventions_expire


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


@shared_task(name="interventions.nightly", soft_time_limit=30 * 60, time_limit=35 * 60)
def nightly_task(as_of: str | None = None) -> dict:
    import datetime as dt

    from interventions.services.nightly import nightly_run

    run = nightly_run(as_of=dt.date.fromisoformat(as_of) if as_of else None)
    return {"as_of": run.as_of.isoformat(), "scored": run.scored, "sent": run.sent, **run.outcomes}
