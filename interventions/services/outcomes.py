"""Outcomes: who was retained after each proposal (sent, refused or held out), and what the interventions did.

The statistics (intent to treat against the control group, divided by the share sent; shrinkage towards the prior;
the measured return) live in mlcore.experiments, the per-customer model in mlcore.uplift: this module judges
outcomes, loads the judged proposals and hands them over. Every arm's churn window starts when the proposal was made,
the moment of the random draw.
"""

import datetime as dt

import pandas as pd
from django.db import transaction
from django.db.models import Count, DateTimeField, ExpressionWrapper, F, Q, QuerySet
from django.utils import timezone

from customers.models import BookingStatus
from interventions.models import (
    Intervention,
    InterventionOutcome,
    InterventionSettings,
    InterventionStatus,
)
from mlcore.experiments import Arms, MeasuredRoi, UpliftEstimate, roi_measure, uplift_from_arms
from mlcore.features import History, build_features, cutoff_of
from mlcore.uplift import FittedUplift, UpliftConfig, uplift_fit
from predictions.models import ScoringSettings

# Proposals whose fate is settled: held out, or offered to staff and then sent, refused or left to expire.
ASSIGNED = (
    InterventionStatus.SENT,
    InterventionStatus.REDEEMED,
    InterventionStatus.EXPIRED,
    InterventionStatus.REJECTED,
)
JUDGED_STATUSES = (*ASSIGNED, InterventionStatus.CONTROL)


def _window() -> dt.timedelta:
    return dt.timedelta(days=ScoringSettings.load().churn_window_days)


def interventions_track_outcomes(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Retained or churned, once a churn window has passed since the proposal was made.

    Retained means a completed booking within the window: the same definition the churn model predicts, so every
    arm is judged alike, from the same moment (the proposal, when the control group is drawn).
    """
    from django.db.models import Exists, OuterRef

    from customers.models import Booking as BookingModel

    now = now or timezone.now()
    window = _window()
    due = (
        Intervention.objects.filter(outcome=InterventionOutcome.PENDING, status__in=JUDGED_STATUSES)
        .annotate(ends=ExpressionWrapper(F("created_at") + window, output_field=DateTimeField()))
        .filter(ends__lte=now)
    )
    booked = BookingModel.objects.filter(
        customer=OuterRef("customer"),
        status=BookingStatus.COMPLETED,
        booked_at__gte=OuterRef("created_at"),
        booked_at__lt=OuterRef("ends"),
    )
    flagged = dict(due.annotate(came_back=Exists(booked)).values_list("pk", "came_back"))
    retained = [pk for pk, came_back in flagged.items() if came_back]
    churned = [pk for pk, came_back in flagged.items() if not came_back]
    with transaction.atomic():
        Intervention.objects.filter(pk__in=retained).update(outcome=InterventionOutcome.RETAINED, updated_at=now)
        Intervention.objects.filter(pk__in=churned).update(outcome=InterventionOutcome.CHURNED, updated_at=now)
    return {InterventionOutcome.RETAINED.value: len(retained), InterventionOutcome.CHURNED.value: len(churned)}


def judged_proposals(before: dt.date | None = None) -> QuerySet[Intervention]:
    """Proposals with an outcome; with `before`, only those whose window had ended by then (what was known)."""
    judged = Intervention.objects.exclude(outcome=InterventionOutcome.PENDING).filter(status__in=JUDGED_STATUSES)
    if before is not None:
        judged = judged.filter(created_at__lte=cutoff_of(before).to_pydatetime() - _window())
    return judged


def judged_rows(judged: QuerySet[Intervention], **fields: str) -> pd.DataFrame:
    """One row per proposal in `judged`: its pk, action, segment, status, sent_at and outcome, the `fields` asked for
    (column name → field), and the columns mlcore.experiments reads: assigned (outside the control group), sent and
    retained."""
    columns = {
        "pk": "pk",
        "action": "action",
        "segment": "prediction__segment",
        "status": "status",
        "sent_at": "sent_at",
        "outcome": "outcome",
        **fields,
    }
    rows = pd.DataFrame(list(judged.values_list(*columns.values())), columns=list(columns))
    rows["assigned"] = rows["status"] != InterventionStatus.CONTROL
    rows["sent"] = rows["sent_at"].notna()
    rows["retained"] = rows["outcome"] == InterventionOutcome.RETAINED
    return rows


# The arms of a group of judged proposals, counted by the database (mlcore.experiments.Arms' fields).
ARM_COUNTS = {
    "proposed": Count("pk", filter=Q(status__in=ASSIGNED)),
    "proposed_kept": Count("pk", filter=Q(status__in=ASSIGNED, outcome=InterventionOutcome.RETAINED)),
    "sent": Count("pk", filter=Q(status__in=ASSIGNED, sent_at__isnull=False)),
    "control": Count("pk", filter=Q(status=InterventionStatus.CONTROL)),
    "control_kept": Count("pk", filter=Q(status=InterventionStatus.CONTROL, outcome=InterventionOutcome.RETAINED)),
}


def _arms(judged: QuerySet[Intervention], *by: str) -> dict[tuple[str, ...], Arms]:
    return {
        tuple(row[field] or "" for field in by): Arms(**{arm: row[arm] for arm in ARM_COUNTS})
        for row in judged.values(*by).annotate(**ARM_COUNTS)
    }


def uplift_estimates(*, before: dt.date | None = None) -> list[UpliftEstimate]:
    """The effect of each action, and of each action in each segment, measured against the control group (see
    mlcore.experiments), shrunk towards its prior (the action's estimate for a segment, the configured prior for an
    action) until a few hundred outcomes make it trustworthy. With `before`: from what was known on that day. Two
    grouped counts in the database, however many proposals have been judged."""
    judged = judged_proposals(before)
    return uplift_from_arms(
        _arms(judged, "action"),
        _arms(judged, "action", "prediction__segment"),
        priors=InterventionSettings.load().uplift_priors or {},
    )


UPLIFT_CONFIG = UpliftConfig()


def judged_counts(*, before: dt.date | None = None) -> dict[str, int]:
    """Proposals (outside control) and control rows whose outcome is known."""
    return judged_proposals(before).aggregate(proposed=ARM_COUNTS["proposed"], control=ARM_COUNTS["control"])


def uplift_model_ready(
    *, before: dt.date | None = None, counts: dict[str, int] | None = None, config: UpliftConfig = UPLIFT_CONFIG
) -> bool:
    """Are there enough outcomes in both arms to train the per-customer uplift model? (`counts`: judged_counts
    already read.)"""
    counts = counts if counts is not None else judged_counts(before=before)
    return min(counts["proposed"], counts["control"]) >= config.min_per_arm


def judged_features(history: History, *, before: dt.date | None = None) -> pd.DataFrame:
    """One row per judged proposal (indexed by its id): the customer's features on the day it was proposed (point in
    time, from `history`), its action, whether it was held out, whether it was sent, and whether the customer stayed."""
    # every engine proposal has its scoring day
    rows = judged_rows(judged_proposals(before).filter(as_of__isnull=False), customer_id="customer_id", as_of="as_of")
    parts = []
    for as_of, group in rows.groupby("as_of"):
        features = build_features(history, as_of, customer_ids=pd.Index(group["customer_id"]))
        parts.append(group.join(features, on="customer_id", how="inner"))  # no booking then: no features
    return pd.concat(parts).set_index("pk") if parts else rows.set_index("pk")


def uplift_model_fit(
    history: History, *, before: dt.date | None = None, config: UpliftConfig = UPLIFT_CONFIG
) -> FittedUplift:
    """The per-customer uplift model on every judged proposal (TrainingDataError when there are too few): retention
    if proposed vs held out, and the chance staff send such a proposal (see mlcore.uplift)."""
    return uplift_fit(judged_features(history, before=before), config)


def roi_costs() -> dict[str, float]:
    """The settings' margin and contact costs, as mlcore.experiments.roi_measure takes them."""
    settings_row = InterventionSettings.load()
    return {
        "margin_rate": settings_row.margin_rate,
        "message_cost": float(settings_row.message_cost),
        "call_cost": float(settings_row.call_cost),
    }


def roi_rows(judged: QuerySet[Intervention], **fields: str) -> pd.DataFrame:
    """judged_rows with what roi_measure reads besides: the customer's ltv and churn probability at the proposal,
    the expected ROI, and `given` (Tk of discounts really redeemed)."""
    from django.db.models import Sum

    rows = judged_rows(
        judged, ltv="prediction__ltv", churn_probability="churn_probability", expected_roi="expected_roi", **fields
    )
    redeemed = dict(
        judged.annotate(given=Sum("discount_codes__redemptions__discount_amount"))
        .exclude(given=None)
        .values_list("pk", "given")
    )
    rows["ltv"] = [float(ltv or 0) for ltv in rows["ltv"]]
    rows["given"] = rows["pk"].map(lambda pk: float(redeemed.get(pk, 0)))
    return rows


def roi_measured(*, before: dt.date | None = None) -> list[MeasuredRoi]:
    """Per action, the return measured against the control group (see mlcore.experiments.roi_measure), with the
    discounts really redeemed and the settings' margin and contact costs."""
    return roi_measure(roi_rows(judged_proposals(before)), **roi_costs())
