"""The nightly chain as beat runs it (and `manage.py run_nightly`), its record, and the watchdog that finishes a night.

Every night has a NightlyRunRecord: running when it starts, complete when the last step is done, failed when a step
gave up. The watchdog (beat, at NIGHTLY_DEADLINE) finds a night that is not complete, logs it as an error, records
it, and resumes it where it stopped: the chunks with no predictions yet are scored, then every step after scoring
runs again. Each step is idempotent under its natural key, so resuming never duplicates a prediction, a proposal,
a message or an outcome.
"""

import datetime as dt
import logging
from dataclasses import asdict, dataclass

from django.utils import timezone

from customers.services.activity import customer_months_refresh
from interventions.models import NightlyRunRecord, NightlyState
from interventions.services.outcomes import interventions_track_outcomes
from interventions.services.proposals import ProposalRun, interventions_propose
from interventions.services.queue import interventions_expire, interventions_send_approved
from mlcore.features import cutoff_of
from notifications.services import notifications_requeue_stale

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class NightlyRun:
    as_of: dt.date
    scored: int
    proposals: ProposalRun
    sent: int
    expired: dict[str, int]
    outcomes: dict[str, int]


def nightly_run(*, as_of: dt.date | None = None, now: dt.datetime | None = None) -> NightlyRun:
    """The whole nightly chain in this process: score → propose → send approved → expire → outcomes.

    Beat runs the same services, with the scoring chunks fanned out over the workers (interventions.tasks.nightly_task).
    `now`: the moment the night runs (default now); a replay of a past night (interventions.services.replay) passes
    that night's, so its proposals, sends and expiries carry it.
    """
    from predictions.services.scoring import customers_score, scoring_plan

    plan = scoring_plan(as_of=as_of)
    nightly_started(as_of=plan.as_of, chunks=plan.chunks, versions=plan.versions)
    try:
        scored = customers_score(as_of=plan.as_of)
        return nightly_after_scoring(as_of=scored.as_of, scored=scored.scored, now=now)
    except Exception as exc:
        nightly_failed(as_of=plan.as_of, error=f"{type(exc).__name__}: {exc}")
        raise


def nightly_after_scoring(*, as_of: dt.date, scored: int, now: dt.datetime | None = None) -> NightlyRun:
    """Everything the nightly chain does once every customer has been scored as of `as_of`; completes the record.

    `now`: the moment the night runs (default now)."""
    now = now or timezone.now()
    customer_months_refresh()  # the reports' active months, whatever wrote the bookings since
    proposals = interventions_propose(as_of=as_of, now=now)
    sent = interventions_send_approved(now=now)
    notifications_requeue_stale(now=now)
    expired = interventions_expire(now=now)
    # Judged as of the scoring day at the latest: bookings after it may not be imported yet, and an outcome is final.
    outcomes = interventions_track_outcomes(now=min(now, cutoff_of(as_of).to_pydatetime()))
    _drift_measure(as_of)
    logger.info("nightly run as of %s: %s scored, %s", as_of, scored, proposals)
    run = NightlyRun(as_of, scored, proposals, sent, expired, outcomes)
    NightlyRunRecord.objects.filter(as_of=as_of).update(
        state=NightlyState.COMPLETE,
        finished_at=timezone.now(),
        summary={"scored": scored, "proposals": asdict(proposals), "sent": sent, "expired": expired, **outcomes},
    )
    return run


def _drift_measure(as_of: dt.date) -> None:
    """The day's feature drift, for the analyst portal: a report, so a failure is logged and the night goes on."""
    from predictions.services.drift import feature_drift_measure

    try:
        feature_drift_measure(as_of=as_of)
    except Exception:
        logger.exception("feature drift as of %s could not be measured", as_of)


def nightly_started(*, as_of: dt.date, chunks: list[tuple[int, int]], versions: dict[str, str]) -> NightlyRunRecord:
    """Record that the night of `as_of` starts (again, if it ran before: a rerun starts its record afresh)."""
    record, _ = NightlyRunRecord.objects.update_or_create(
        as_of=as_of,
        defaults={
            "state": NightlyState.RUNNING,
            "started_at": timezone.now(),
            "finished_at": None,
            "chunks": [list(chunk) for chunk in chunks],
            "versions": versions,
            "error": "",
        },
    )
    return record


def nightly_failed(*, as_of: dt.date, error: str) -> None:
    NightlyRunRecord.objects.filter(as_of=as_of).update(state=NightlyState.FAILED, error=error[:2000])


def nightly_resume(*, as_of: dt.date) -> NightlyRun:
    """Finish the night of `as_of` where it stopped: score the chunks that have no predictions yet (with the
    night's pinned model versions), then run every step after scoring again."""
    from predictions.models import Prediction
    from predictions.services.scoring import chunk_score

    record = NightlyRunRecord.objects.get(as_of=as_of)
    for first, last in record.chunks:
        chunk = Prediction.objects.filter(as_of=as_of, customer_id__gte=first, customer_id__lte=last)
        if not chunk.exists():
            chunk_score(as_of=as_of, first=first, last=last, versions=record.versions or None)
    scored = Prediction.objects.filter(as_of=as_of).count()
    return nightly_after_scoring(as_of=as_of, scored=scored)


def nightly_watch(*, started_by: dt.datetime | None = None) -> NightlyRunRecord | None:
    """The watchdog: if tonight's night (the one scoring as of the day beat's run would) is not complete, or never
    started, log an error, record it, and finish it in this process. Returns the record it finished, None when the
    night was complete.

    `started_by`: a record that started before this is an earlier night's (default: 24 hours ago)."""
    from django.conf import settings

    from predictions.services.scoring import scoring_plan
    from predictions.services.training import default_as_of

    as_of = default_as_of()
    since = started_by or timezone.now() - dt.timedelta(hours=24)
    record = NightlyRunRecord.objects.filter(as_of=as_of, started_at__gte=since).first()
    if record is not None and record.state == NightlyState.COMPLETE:
        return None
    if record is None:
        logger.error("the nightly run did not start by the deadline; running it now as of %s", as_of)
        plan = scoring_plan(as_of=as_of, chunk_size=settings.SCORING_CHUNK_SIZE)
        record = nightly_started(as_of=as_of, chunks=plan.chunks, versions=plan.versions)
        note = "did not start by the deadline"
    else:
        logger.error(
            "the nightly run as of %s is %s at the deadline (started %s); resuming it where it stopped",
            record.as_of,
            record.get_state_display().lower(),
            record.started_at.isoformat(timespec="minutes"),
        )
        note = f"{record.get_state_display().lower()} at the deadline"
    NightlyRunRecord.objects.filter(pk=record.pk).update(
        state=NightlyState.RUNNING, resumed=record.resumed + 1, error=f"{note}; resumed by the watchdog"
    )
    try:
        nightly_resume(as_of=record.as_of)
    except Exception as exc:
        nightly_failed(as_of=record.as_of, error=f"resumed by the watchdog and failed: {type(exc).__name__}: {exc}")
        raise
    record.refresh_from_db()
    return record
