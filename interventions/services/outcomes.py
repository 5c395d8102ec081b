"""Outcomes: who was retained after each proposal (sent, refused or held out), and what the interventions did.

The control group is drawn at random among *proposals*, before staff decide, so the only fair comparison is with all
proposals that were not held out, whatever staff then did with them (intent to treat): comparing the sent ones alone
with control would credit the interventions with staff's choice of whom to approve. The effect of sending is then
the intent-to-treat difference divided by the share of proposals that were sent (with one-sided non-compliance —
control customers are never contacted — this is the standard instrumental-variable estimate of the effect on those
sent). Every arm's churn window starts when the proposal was made, the moment of the random draw.
"""

import datetime as dt
import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.db import transaction
from django.db.models import Count, DateTimeField, ExpressionWrapper, F, Q
from django.utils import timezone

from customers.models import BookingStatus
from interventions.models import (
    Intervention,
    InterventionAction,
    InterventionOutcome,
    InterventionSettings,
    InterventionStatus,
)
from mlcore.features import History, build_features, cutoff_of
from mlcore.offers import OfferPolicy, uplift_for
from mlcore.uplift import UpliftConfig, UpliftModel, uplift_train
from predictions.models import ScoringSettings

logger = logging.getLogger(__name__)

# Proposals whose fate is settled: held out, or offered to staff and then sent, refused or left to expire.
ASSIGNED = (
    InterventionStatus.SENT,
    InterventionStatus.REDEEMED,
    InterventionStatus.EXPIRED,
    InterventionStatus.REJECTED,
)
JUDGED_STATUSES = (*ASSIGNED, InterventionStatus.CONTROL)
SHRINK_TOWARDS_PRIOR = 200  # outcomes it takes for the measured uplift to weigh as much as the prior
MIN_SHARE_SENT = UpliftConfig.min_share_sent  # below this, dividing by the share sent magnifies noise


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


def _judged(before: dt.date | None = None):
    """Proposals with an outcome; with `before`, only those whose window had ended by then (what was known)."""
    judged = Intervention.objects.exclude(outcome=InterventionOutcome.PENDING).filter(status__in=JUDGED_STATUSES)
    if before is not None:
        judged = judged.filter(created_at__lte=cutoff_of(before).to_pydatetime() - _window())
    return judged


ARM_COUNTS = {
    "proposed": Count("pk", filter=Q(status__in=ASSIGNED)),
    "proposed_kept": Count("pk", filter=Q(status__in=ASSIGNED, outcome=InterventionOutcome.RETAINED)),
    "sent": Count("pk", filter=Q(status__in=ASSIGNED, sent_at__isnull=False)),
    "control": Count("pk", filter=Q(status=InterventionStatus.CONTROL)),
    "control_kept": Count("pk", filter=Q(status=InterventionStatus.CONTROL, outcome=InterventionOutcome.RETAINED)),
}


@dataclass(frozen=True)
class UpliftEstimate:
    action: str
    segment: str  # "" for the action across all segments
    proposed: int  # proposals outside the control group with an outcome (sent, refused or expired)
    sent: int
    control: int
    retention_proposed: float
    retention_control: float
    share_sent: float
    measured_uplift: float  # the effect of sending: (retention proposed − control) ÷ share sent
    prior: float
    weight: float  # how much the measurement counts against the prior, 0 to 1
    uplift: float  # the measured uplift shrunk towards the prior by how much evidence there is

    @property
    def key(self) -> str:
        return f"{self.action}:{self.segment}" if self.segment else self.action


def _estimate(row: dict, segment: str, prior: float) -> UpliftEstimate | None:
    if not row["proposed"] or not row["control"] or not row["sent"]:
        return None
    rate_proposed, rate_control = row["proposed_kept"] / row["proposed"], row["control_kept"] / row["control"]
    share_sent = row["sent"] / row["proposed"]
    measured = (rate_proposed - rate_control) / share_sent
    # Dividing by the share sent s multiplies the standard error by 1/s: the measurement is worth n·s² outcomes.
    evidence = min(row["proposed"], row["control"]) * share_sent**2 if share_sent >= MIN_SHARE_SENT else 0.0
    weight = evidence / (evidence + SHRINK_TOWARDS_PRIOR)
    return UpliftEstimate(
        action=row["action"],
        segment=segment,
        proposed=row["proposed"],
        sent=row["sent"],
        control=row["control"],
        retention_proposed=round(rate_proposed, 4),
        retention_control=round(rate_control, 4),
        share_sent=round(share_sent, 4),
        measured_uplift=round(measured, 4),
        prior=round(prior, 4),
        weight=round(weight, 4),
        uplift=round(weight * measured + (1 - weight) * prior, 4),
    )


def uplift_estimates(*, before: dt.date | None = None) -> list[UpliftEstimate]:
    """The effect of each action, and of each action in each segment, measured against the control group (see the
    module docstring), shrunk towards its prior (the action's estimate for a segment, the configured prior for an
    action) until a few hundred outcomes make it trustworthy. With `before`: from what was known on that day."""
    from mlcore.offers import DEFAULT_UPLIFT, SEGMENT_RESPONSE

    priors = {**DEFAULT_UPLIFT, **(InterventionSettings.load().uplift_priors or {})}
    judged = _judged(before)
    by_action = judged.values("action").annotate(**ARM_COUNTS)
    by_segment = judged.values("action", "prediction__segment").annotate(**ARM_COUNTS)
    estimates = [item for row in by_action if (item := _estimate(row, "", priors.get(row["action"], 0.0)))]
    overall = {item.action: item.uplift for item in estimates}
    for row in by_segment:
        if segment := row["prediction__segment"]:
            # The segment's prior is what the engine used before any outcome: the action's, times the segment's
            # prior response; without the factor, one favourable outcome could lower the estimate.
            response = SEGMENT_RESPONSE.get(segment, {}).get(row["action"], 1.0)
            prior = overall.get(row["action"], priors.get(row["action"], 0.0)) * response
            if item := _estimate(row, segment, prior):
                estimates.append(item)
    return estimates


UPLIFT_CONFIG = UpliftConfig()


def judged_counts(*, before: dt.date | None = None) -> dict[str, int]:
    """Proposals (outside control) and control rows whose outcome is known."""
    return _judged(before).aggregate(proposed=ARM_COUNTS["proposed"], control=ARM_COUNTS["control"])


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
    rows = pd.DataFrame(
        list(
            _judged(before)
            .filter(as_of__isnull=False)  # every engine proposal has its scoring day
            .values_list("pk", "customer_id", "as_of", "action", "status", "sent_at", "outcome", "prediction__segment")
        ),
        columns=["pk", "customer_id", "as_of", "action", "status", "sent_at", "outcome", "segment"],
    )
    parts = []
    for as_of, group in rows.groupby("as_of"):
        features = build_features(history, as_of, customer_ids=pd.Index(group["customer_id"]))
        parts.append(group.join(features, on="customer_id", how="inner"))  # no booking then: no features
    frame = pd.concat(parts).set_index("pk") if parts else rows.set_index("pk")
    frame["assigned"] = frame["status"] != InterventionStatus.CONTROL
    frame["sent"] = frame["sent_at"].notna()
    frame["retained"] = frame["outcome"] == InterventionOutcome.RETAINED
    return frame


@dataclass
class FittedUplift:
    """The uplift model, and per action the mean effect it gives the customers it learned from, overall and per
    segment: the fixed point a customer's departure is measured from (see personal_uplifts)."""

    model: UpliftModel
    centre: dict[str, float]  # action → mean effect over the training customers
    centre_by_segment: dict[str, dict[str, float]]  # action → segment → mean effect over its training customers

    def centre_for(self, action: str, segments: pd.Series) -> np.ndarray:
        by_segment = self.centre_by_segment.get(action, {})
        overall = self.centre.get(action, np.nan)
        return np.array([by_segment.get(segment, overall) for segment in segments], dtype=float)


def uplift_model_fit(
    history: History, *, before: dt.date | None = None, config: UpliftConfig = UPLIFT_CONFIG
) -> FittedUplift:
    """The per-customer uplift model on every judged proposal (TrainingDataError when there are too few): retention
    if proposed vs held out, and the chance staff send such a proposal (see mlcore.uplift)."""
    frame = judged_features(history, before=before)
    model = uplift_train(frame, frame["action"], frame["assigned"], frame["retained"], config, sent=frame["sent"])
    segments = frame["segment"].fillna("").to_numpy()
    centre, centre_by_segment = {}, {}
    for action in model.actions:
        effect = pd.Series(model.effect(frame, action))
        centre[action] = float(effect.mean())  # NaN (customers staff never send it to) are skipped
        centre_by_segment[action] = {
            segment: float(mean) for segment, mean in effect.groupby(segments).mean().items() if not np.isnan(mean)
        }
    return FittedUplift(model=model, centre=centre, centre_by_segment=centre_by_segment)


UPLIFT_BOUNDS = (-1.0, 1.0)  # an expected change in the chance of staying


def personal_uplifts(
    *, fitted: FittedUplift, features: pd.DataFrame, segments: pd.Series, policy: OfferPolicy
) -> pd.Series:
    """Per customer (the index of `features`), action → expected effect of sending it: the action × segment estimate,
    moved by how far the model puts this customer above or below the customers of their segment it learned from (that
    departure shrunk by the evidence behind the action). The reference is fixed at training, so a customer's estimate
    does not depend on who else is scored the same night.

    The level comes from the segment estimate, a plain difference of retention rates; the model only says who
    responds more or less. Its own level is conservative (regularised boosting pulls the proposed-arm model towards
    the held-out one: 0.17 for a true 0.30 in the tests), and using it as the level made the engine offer less than
    the measured effects justify (bench_learning.py: fewer customers saved than with the priors). Where the model
    has nothing to say (an action it has not seen, customers staff hardly ever send it to) the action is left out
    and the engine uses the segment estimate."""
    model = fitted.model
    segment_of = segments.reindex(features.index).fillna("")
    estimates: dict[str, np.ndarray] = {}
    for action in model.actions:
        effect = model.effect(features, action)
        level = np.array([uplift_for(action, segment, policy) for segment in segment_of])
        departure = model.shrink(effect - fitted.centre_for(action, segment_of), action, 0.0, UPLIFT_CONFIG)
        estimates[action] = np.round(np.clip(level + departure, *UPLIFT_BOUNDS), 4)
    return pd.Series(
        [
            {action: float(values[row]) for action, values in estimates.items() if not np.isnan(values[row])}
            for row in range(len(features))
        ],
        index=features.index,
        dtype=object,
    )


@dataclass(frozen=True)
class MeasuredRoi:
    """What an action really returned, against the control group rather than assumed (see the module docstring)."""

    action: str
    proposed: int
    sent: int
    control: int
    measured_uplift: float  # the effect of sending: (retention proposed − control) ÷ share sent, unshrunk
    customers_won: float  # (retention proposed − control) × proposals: how many stayed because of the action
    value_recovered: float  # customers won × their mean value if retained × the margin rate (Tk)
    discounts_redeemed: float  # Tk given away on redeemed codes
    contact_cost: float  # messages and calls actually sent (Tk)
    net_benefit: float
    roi: float | None  # net benefit ÷ cost; None when nothing was spent
    expected_roi: float  # the mean ROI the engine expected for the ones it sent


def roi_measured(*, before: dt.date | None = None) -> list[MeasuredRoi]:
    """Per action, the return measured against the control group: the customers the proposals kept beyond what the
    held-out customers' retention says would have stayed anyway, valued as the engine values them (LTV if retained ×
    margin), against what was really spent (redeemed discounts, messages and calls sent)."""
    from django.db.models import Sum

    from mlcore.offers import if_retained

    settings_row = InterventionSettings.load()
    rows = pd.DataFrame(
        list(
            _judged(before).values_list(
                "pk", "action", "status", "sent_at", "outcome", "prediction__ltv", "churn_probability", "expected_roi"
            )
        ),
        columns=["pk", "action", "status", "sent_at", "outcome", "ltv", "churn", "expected_roi"],
    )  # fmt: skip
    if rows.empty:
        return []
    redeemed = dict(
        _judged(before)
        .annotate(given=Sum("discount_codes__redemptions__discount_amount"))
        .exclude(given=None)
        .values_list("pk", "given")
    )
    rows["assigned"] = rows["status"] != InterventionStatus.CONTROL
    rows["sent"] = rows["sent_at"].notna()
    rows["kept"] = rows["outcome"] == InterventionOutcome.RETAINED
    rows["value"] = [if_retained(float(ltv or 0), churn) for ltv, churn in zip(rows["ltv"], rows["churn"], strict=True)]
    rows["given"] = rows["pk"].map(lambda pk: float(redeemed.get(pk, 0)))
    contact = {InterventionAction.PERSONAL_CALL: float(settings_row.call_cost)}
    rows["contact"] = rows["action"].map(lambda action: contact.get(action, float(settings_row.message_cost)))
    results = []
    for action, group in rows.groupby("action"):
        assigned, control = group[group["assigned"]], group[~group["assigned"]]
        sent = assigned[assigned["sent"]]
        if sent.empty or control.empty:
            continue
        difference = assigned["kept"].mean() - control["kept"].mean()  # intent to treat
        won = difference * len(assigned)
        value = won * sent["value"].mean() * settings_row.margin_rate
        cost = sent["given"].sum() + sent["contact"].sum()
        net = value - cost
        results.append(
            MeasuredRoi(
                action=action,
                proposed=len(assigned),
                sent=len(sent),
                control=len(control),
                measured_uplift=round(float(difference * len(assigned) / len(sent)), 4),
                customers_won=round(float(won), 1),
                value_recovered=round(float(value), 2),
                discounts_redeemed=round(float(sent["given"].sum()), 2),
                contact_cost=round(float(sent["contact"].sum()), 2),
                net_benefit=round(float(net), 2),
                roi=round(float(net / cost), 3) if cost > 0 else None,
                expected_roi=round(float(sent["expected_roi"].mean()), 3),
            )
        )
    return results
