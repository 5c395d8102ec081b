"""The nightly chain as beat runs it (and `manage.py run_nightly`)."""

import datetime as dt
import logging
from dataclasses import dataclass

from django.utils import timezone

from interventions.services.outcomes import interventions_track_outcomes
from interventions.services.proposals import ProposalRun, interventions_propose
from interventions.services.queue import interventions_expire, interventions_send_approved
from mlcore.features import cutoff_of

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class NightlyRun:
    as_of: dt.date
    scored: int
    proposals: ProposalRun
    sent: int
    expired: dict[str, int]
    outcomes: dict[str, int]


def nightly_run(*, as_of: dt.date | None = None) -> NightlyRun:
    """The whole nightly chain in this process: score → propose → send approved → expire → outcomes.

    Beat runs the same services, with the scoring chunks fanned out over the workers (interventions.tasks.nightly_task).
    """
    from predictions.services.scoring import customers_score

    scored = customers_score(as_of=as_of)
    return nightly_after_scoring(as_of=scored.as_of, scored=scored.scored)


def nightly_after_scoring(*, as_of: dt.date, scored: int) -> NightlyRun:
    """Everything the nightly chain does once every customer has been scored as of `as_of`."""
    proposals = interventions_propose(as_of=as_of)
    sent = interventions_send_approved()
    expired = interventions_expire()
    # Judged as of the scoring day at the latest: bookings after it may not be imported yet, and an outcome is final.
    outcomes = interventions_track_outcomes(now=min(timezone.now(), cutoff_of(as_of).to_pydatetime()))
    logger.info("nightly run as of %s: %s scored, %s", as_of, scored, proposals)
    return NightlyRun(as_of, scored, proposals, sent, expired, outcomes)
