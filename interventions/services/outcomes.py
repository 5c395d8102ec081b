"""Outcomes: who was retained after each offer (or hold-out), and the retention uplift that tells what works."""

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from customers.models import BookingStatus
from interventions.models import (
    Intervention,
    InterventionSettings,
    InterventionStatus,
)
from predictions.models import ScoringSettings

logger = logging.getLogger(__name__)


TREATED = (InterventionStatus.SENT, InterventionStatus.REDEEMED, InterventionStatus.EXPIRED)


SHRINK_TOWARDS_PRIOR = 200  # outcomes it takes for the measured uplift to weigh as much as the prior


def interventions_track_outcomes(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Retained or churned, once a churn window has passed since the offer went out (or was held back).

    Retained means a completed booking within the window: the same definition the churn model predicts, so treated
    and control customers are judged alike. Control rows start when they were proposed, treated ones when sent.
    """
    from django.db.models import DateTimeField, Exists, ExpressionWrapper, OuterRef
    from django.db.models.functions import Coalesce

    from customers.models import Booking as BookingModel

    now = now or timezone.now()
    window = dt.timedelta(days=ScoringSettings.load().churn_window_days)
    start = Coalesce("sent_at", "created_at")
    due = (
        Intervention.objects.filter(outcome="pending", status__in=[*TREATED, InterventionStatus.CONTROL])
        .annotate(started=start, ends=ExpressionWrapper(start + window, output_field=DateTimeField()))
        .filter(ends__lte=now)
    )
    booked = BookingModel.objects.filter(
        customer=OuterRef("customer"),
        status=BookingStatus.COMPLETED,
        booked_at__gte=OuterRef("started"),
        booked_at__lt=OuterRef("ends"),
    )
    flagged = dict(due.annotate(came_back=Exists(booked)).values_list("pk", "came_back"))
    retained = [pk for pk, came_back in flagged.items() if came_back]
    churned = [pk for pk, came_back in flagged.items() if not came_back]
    with transaction.atomic():
        Intervention.objects.filter(pk__in=retained).update(outcome="retained", updated_at=now)
        Intervention.objects.filter(pk__in=churned).update(outcome="churned", updated_at=now)
    return {"retained": len(retained), "churned": len(churned)}


@dataclass(frozen=True)
class UpliftEstimate:
    action: str
    segment: str  # "" for the action across all segments
    treated: int
    control: int
    retention_treated: float
    retention_control: float
    measured_uplift: float
    prior: float
    uplift: float  # the measured uplift shrunk towards the prior by how much evidence there is

    @property
    def key(self) -> str:
        return f"{self.action}:{self.segment}" if self.segment else self.action


def uplift_estimates() -> list[UpliftEstimate]:
    """Retention of treated against control customers per action, and per action and segment, from the outcomes.

    Each measured uplift is shrunk towards its prior (the action's estimate for a segment, the configured prior for
    an action) until a few hundred outcomes make it trustworthy.
    """
    from django.db.models import Count
    from django.db.models import Q as Query

    from mlcore.offers import DEFAULT_UPLIFT

    priors = {**DEFAULT_UPLIFT, **(InterventionSettings.load().uplift_priors or {})}
    counts = {
        "treated": Count("pk", filter=Query(status__in=TREATED)),
        "treated_kept": Count("pk", filter=Query(status__in=TREATED, outcome="retained")),
        "control": Count("pk", filter=Query(status=InterventionStatus.CONTROL)),
        "control_kept": Count("pk", filter=Query(status=InterventionStatus.CONTROL, outcome="retained")),
    }
    judged = Intervention.objects.exclude(outcome="pending")
    by_action = {row["action"]: row for row in judged.values("action").annotate(**counts)}
    by_segment = judged.values("action", "prediction__segment").annotate(**counts)

    def estimate(row: dict, segment: str, prior: float) -> UpliftEstimate | None:
        if not row["treated"] or not row["control"]:
            return None
        rate_treated, rate_control = row["treated_kept"] / row["treated"], row["control_kept"] / row["control"]
        measured = rate_treated - rate_control
        evidence = min(row["treated"], row["control"])
        weight = evidence / (evidence + SHRINK_TOWARDS_PRIOR)
        return UpliftEstimate(
            action=row["action"],
            segment=segment,
            treated=row["treated"],
            control=row["control"],
            retention_treated=round(rate_treated, 4),
            retention_control=round(rate_control, 4),
            measured_uplift=round(measured, 4),
            prior=round(prior, 4),
            uplift=round(weight * measured + (1 - weight) * prior, 4),
        )

    estimates = [item for row in by_action.values() if (item := estimate(row, "", priors.get(row["action"], 0.0)))]
    overall = {item.action: item.uplift for item in estimates}
    for row in by_segment:
        if row["prediction__segment"]:
            prior = overall.get(row["action"], priors.get(row["action"], 0.0))
            if item := estimate(row, row["prediction__segment"], prior):
                estimates.append(item)
    return estimates
