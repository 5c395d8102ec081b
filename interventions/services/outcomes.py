"""Outcomes: who was retained after each offer (or hold-out), and the retention uplift that tells what works."""

import datetime as dt
import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.db import transaction
from django.utils import timezone

from customers.models import BookingStatus
from interventions.models import (
    Intervention,
    InterventionAction,
    InterventionSettings,
    InterventionStatus,
)
from mlcore.features import History, build_features
from mlcore.offers import OfferPolicy, uplift_for
from mlcore.uplift import UpliftConfig, UpliftModel, uplift_train
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


UPLIFT_CONFIG = UpliftConfig()


def _judged():
    return Intervention.objects.exclude(outcome="pending").filter(status__in=[*TREATED, InterventionStatus.CONTROL])


def judged_counts() -> dict[str, int]:
    """Treated and control interventions whose outcome is known."""
    from django.db.models import Count
    from django.db.models import Q as Query

    return _judged().aggregate(
        treated=Count("pk", filter=Query(status__in=TREATED)),
        control=Count("pk", filter=Query(status=InterventionStatus.CONTROL)),
    )


def uplift_model_ready(config: UpliftConfig = UPLIFT_CONFIG) -> bool:
    """Are there enough treated and control outcomes to train the per-customer uplift model?"""
    counts = judged_counts()
    return min(counts["treated"], counts["control"]) >= config.min_per_arm


def judged_features(history: History) -> pd.DataFrame:
    """One row per judged intervention (indexed by its id): the customer's features on the day it was proposed
    (point in time, from `history`), its action, whether it was sent (treated) and whether the customer stayed."""
    rows = pd.DataFrame(
        list(
            _judged()
            .filter(as_of__isnull=False)  # every engine proposal has its scoring day
            .values_list("pk", "customer_id", "as_of", "action", "status", "outcome")
        ),
        columns=["pk", "customer_id", "as_of", "action", "status", "outcome"],
    )
    parts = []
    for as_of, group in rows.groupby("as_of"):
        features = build_features(history, as_of, customer_ids=pd.Index(group["customer_id"]))
        joined = group.join(features, on="customer_id", how="inner")  # a customer with no booking then has none
        parts.append(joined)
    frame = pd.concat(parts).set_index("pk") if parts else rows.set_index("pk")
    frame["treated"] = frame["status"] != InterventionStatus.CONTROL
    frame["retained"] = frame["outcome"] == "retained"
    return frame


def uplift_model_fit(history: History, config: UpliftConfig = UPLIFT_CONFIG) -> UpliftModel:
    """The per-customer uplift model on every judged intervention (TrainingDataError when there are too few)."""
    frame = judged_features(history)
    return uplift_train(frame, frame["action"], frame["treated"], frame["retained"], config)


def personal_uplifts(
    *, model: UpliftModel, features: pd.DataFrame, segments: pd.Series, policy: OfferPolicy
) -> pd.Series:
    """Per customer (the index of `features`), action → expected uplift: the model's, shrunk towards the action ×
    segment estimate by the evidence behind the action. Actions the model has never seen are left out (the engine
    then uses the segment estimate)."""
    estimates: dict[str, np.ndarray] = {}
    for action in model.actions:
        fallback = np.array([uplift_for(action, segment, policy) for segment in segments.reindex(features.index)])
        raw = model.predict(features, action)
        estimates[action] = np.round(model.shrink(raw, action, fallback, UPLIFT_CONFIG), 4)
    return pd.Series(
        [{action: float(values[row]) for action, values in estimates.items()} for row in range(len(features))],
        index=features.index,
        dtype=object,
    )


@dataclass(frozen=True)
class MeasuredRoi:
    """What an action really returned, against the control group rather than assumed."""

    action: str
    treated: int
    control: int
    measured_uplift: float  # retention treated − control, unshrunk: this is the measurement
    customers_won: float  # measured uplift × treated customers: how many stayed because of the action
    value_recovered: float  # customers won × their mean value if retained × the margin rate (Tk)
    discounts_redeemed: float  # Tk given away on redeemed codes
    contact_cost: float  # messages and calls (Tk)
    net_benefit: float
    roi: float | None  # net benefit ÷ cost; None when nothing was spent
    expected_roi: float  # the mean ROI the engine expected when it proposed these


def roi_measured() -> list[MeasuredRoi]:
    """Per action, the return measured against the control group: the customers the action kept beyond what the held-
    out customers' retention says would have stayed anyway, valued as the engine values them (LTV if retained × margin),
    against what was really spent (redeemed discounts, messages, calls)."""
    from django.db.models import Sum

    from mlcore.offers import if_retained

    settings_row = InterventionSettings.load()
    rows = pd.DataFrame(
        list(
            _judged().values_list(
                "pk", "action", "status", "outcome", "prediction__ltv", "churn_probability", "expected_roi"
            )
        ),
        columns=["pk", "action", "status", "outcome", "ltv", "churn", "expected_roi"],
    )  # fmt: skip
    if rows.empty:
        return []
    redeemed = dict(
        Intervention.objects.filter(pk__in=rows["pk"].tolist())
        .annotate(given=Sum("discount_codes__redemptions__discount_amount"))
        .exclude(given=None)
        .values_list("pk", "given")
    )
    rows["treated"] = rows["status"] != InterventionStatus.CONTROL
    rows["kept"] = rows["outcome"] == "retained"
    rows["value"] = [if_retained(float(ltv or 0), churn) for ltv, churn in zip(rows["ltv"], rows["churn"], strict=True)]
    rows["given"] = rows["pk"].map(lambda pk: float(redeemed.get(pk, 0)))
    contact = {InterventionAction.PERSONAL_CALL: float(settings_row.call_cost)}
    rows["contact"] = rows["action"].map(lambda action: contact.get(action, float(settings_row.message_cost)))
    results = []
    for action, group in rows.groupby("action"):
        treated, control = group[group["treated"]], group[~group["treated"]]
        if treated.empty or control.empty:
            continue
        uplift = treated["kept"].mean() - control["kept"].mean()
        won = uplift * len(treated)
        value = won * treated["value"].mean() * settings_row.margin_rate
        cost = treated["given"].sum() + treated["contact"].sum()
        net = value - cost
        results.append(
            MeasuredRoi(
                action=action,
                treated=len(treated),
                control=len(control),
                measured_uplift=round(float(uplift), 4),
                customers_won=round(float(won), 1),
                value_recovered=round(float(value), 2),
                discounts_redeemed=round(float(treated["given"].sum()), 2),
                contact_cost=round(float(treated["contact"].sum()), 2),
                net_benefit=round(float(net), 2),
                roi=round(float(net / cost), 3) if cost > 0 else None,
                expected_roi=round(float(treated["expected_roi"].mean()), 3),
            )
        )
    return results
