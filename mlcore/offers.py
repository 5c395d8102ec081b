"""The intervention engine: for each at-risk customer, the action that answers their churn reasons and pays most.

Rules map each SHAP reason to the kinds of intervention that address it; every candidate action gets a discount
(capped by the settings and by a share of the lower bound of the customer's value if retained), an expected retention
uplift (the customer's own from the uplift model where there is one, else the action × segment estimate from outcomes,
else the priors) and its economics: net benefit = value if retained × margin × uplift − cost, ROI = net benefit ÷
cost, and a risk-adjusted ROI with the lower bound in place of the value. The best-paying candidate above the minimum
ROI is proposed; a customer for whom nothing pays gets no proposal.

Value if retained: the predicted LTV already counts the customer's churn risk (it is an expectation over staying and
leaving), so the value an intervention wins back is the LTV of a customer who stays, about LTV ÷ (1 − churn
probability). The division is capped at 10× so a near-certain leaver's thin LTV is not blown up into a fortune.
Its lower bound is the LTV model's `ltv_low_if_retained` (what 90% of returning customers like this one spend at
least): the interval's own lower bound is Tk 0 for nearly every at-risk customer, since most of them will spend
nothing, and a discount is only ever spent by a customer who comes back.
"""

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

WIN_BACK = "win_back_discount"
BUDGET = "budget_service"
PREMIUM = "premium_provider"
SEASONAL = "seasonal_reminder"
LOYALTY = "loyalty_bonus"
RECOVERY = "service_recovery"
CALL = "personal_call"

# Which reasons (features pushing churn up) each action answers.
REASON_ACTIONS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(
        ("complaints_total", "complaints_90d", "days_since_last_complaint", "low_ratings", "rating_avg",
         "no_shows_total", "cancellations_total", "cancel_share"),
        (RECOVERY, PREMIUM),
    ),
    **dict.fromkeys(
        ("competitor_searches_total", "competitor_searches_30d", "competitor_searches_90d", "discount_share",
         "discount_pct_avg"),
        (WIN_BACK, BUDGET),
    ),
    **dict.fromkeys(
        ("usual_season_upcoming", "days_to_usual_season", "share_summer", "share_monsoon", "share_autumn",
         "share_winter"),
        (SEASONAL,),
    ),
    **dict.fromkeys(("premium_share", "verified_share"), (PREMIUM,)),
}  # fmt: skip
# Everything else that raises risk (recency, falling frequency, the BG/NBD view) is drift: win back, or for the
# best customers a loyalty bonus or a call.
DRIFT_ACTIONS = (WIN_BACK, LOYALTY, CALL)

DEFAULT_UPLIFT = {
    WIN_BACK: 0.06,
    BUDGET: 0.05,
    PREMIUM: 0.04,
    SEASONAL: 0.04,
    LOYALTY: 0.05,
    RECOVERY: 0.08,
    CALL: 0.12,
}
# Segments respond differently: priors until outcomes say otherwise.
SEGMENT_RESPONSE = {
    "price_sensitive": {WIN_BACK: 1.3, BUDGET: 1.4, PREMIUM: 0.6},
    "quality_focused": {PREMIUM: 1.4, RECOVERY: 1.3, BUDGET: 0.6},
    "high_value_loyal": {LOYALTY: 1.3, CALL: 1.2, BUDGET: 0.5},
    "occasional": {SEASONAL: 1.3, LOYALTY: 0.6},
    "at_risk": {WIN_BACK: 1.1, RECOVERY: 1.1},
}
DISCOUNT_SHARE_OF_SPEND = {WIN_BACK: 0.15, BUDGET: 0.10, PREMIUM: 0.10, SEASONAL: 0.08, LOYALTY: 0.12, RECOVERY: 0.25}


@dataclass(frozen=True)
class OfferPolicy:
    max_discount_amount: float = 500.0
    ltv_discount_share: float = 0.10
    min_discount_amount: float = 50.0
    message_cost: float = 2.0
    call_cost: float = 120.0
    min_roi: float = 1.0
    margin_rate: float = 1.0  # share of LTV the business keeps; 1.0 counts revenue, as the plan's formula does
    critical_from: float = 0.8
    call_min_ltv_low: float = 20_000.0  # a personal call is for customers worth at least this if retained (lower bound)
    # Overrides of DEFAULT_UPLIFT, e.g. learned values: by action ("win_back_discount") or action and segment
    # ("win_back_discount:price_sensitive").
    uplift: dict[str, float] = field(default_factory=dict)
    measured: frozenset[str] = frozenset()  # the keys of `uplift` measured from outcomes (the others are priors)


@dataclass(frozen=True)
class Proposal:
    action: str
    addresses_reason: str
    discount_amount: float
    uplift: float
    uplift_source: str  # one of UPLIFT_SOURCES
    cost: float
    net_benefit: float
    roi: float
    risk_adjusted_roi: float


def _round_to(value: float, step: float) -> float:
    return math.floor(value / step) * step


MAX_RETENTION_FACTOR = 10.0


def if_retained(value: float, churn_probability: float) -> float:
    """A churn-weighted value as it would be if the customer stays (see the module docstring)."""
    return value * min(1.0 / max(1.0 - churn_probability, 1e-9), MAX_RETENTION_FACTOR)


def value_if_retained(ltv: float, ltv_low_if_retained: float, churn_probability: float) -> tuple[float, float]:
    """(value, lower bound) of the customer if they stay; the bound never above the value."""
    value = if_retained(ltv, churn_probability)
    return value, min(ltv_low_if_retained, value)


def discount_cap(value_low: float, policy: OfferPolicy) -> float:
    """The largest discount for a customer: the settings' cap, and a share of the lower bound of their value if
    retained."""
    return min(policy.max_discount_amount, policy.ltv_discount_share * max(value_low, 0.0))


def discount_for(action: str, spend_avg: float, value_low: float, policy: OfferPolicy) -> float:
    """Tk off: a share of the customer's usual booking, rounded down to Tk 50, within `discount_cap`."""
    if action == CALL:
        return 0.0
    wanted = DISCOUNT_SHARE_OF_SPEND[action] * max(spend_avg, 0.0)
    cap = discount_cap(value_low, policy)
    amount = _round_to(min(max(wanted, policy.min_discount_amount), cap), 50)
    if amount < policy.min_discount_amount:
        return 0.0 if action == SEASONAL else -1.0  # -1: the LTV cannot carry even the smallest discount
    return amount


UPLIFT_SOURCES = ("customer", "measured", "prior")


def segment_response(action: str, segment: str) -> float:
    """How much more or less than average the segment is expected to respond to the action (SEGMENT_RESPONSE)."""
    return SEGMENT_RESPONSE.get(segment, {}).get(action, 1.0)


def uplift_with_source(
    action: str, segment: str, policy: OfferPolicy, personal: dict[str, float] | None = None
) -> tuple[float, str]:
    """The expected uplift and where it comes from: the customer's own from the uplift model (`personal`), else the
    uplift for the action in this segment ("action:segment"), else the action's uplift scaled by the segment's prior
    response; "measured" when that came from outcomes, "prior" when from the settings or DEFAULT_UPLIFT."""
    if isinstance(personal, dict) and action in personal:
        return personal[action], "customer"
    key = f"{action}:{segment}"
    if key in policy.uplift:
        return policy.uplift[key], "measured" if key in policy.measured else "prior"
    base = policy.uplift.get(action, DEFAULT_UPLIFT[action])
    source = "measured" if action in policy.measured else "prior"
    return base * segment_response(action, segment), source


def uplift_for(action: str, segment: str, policy: OfferPolicy, personal: dict[str, float] | None = None) -> float:
    """The expected uplift alone (see uplift_with_source)."""
    return uplift_with_source(action, segment, policy, personal)[0]


def candidates(
    reasons: list[dict[str, Any]], tier: str, churn_probability: float, value_low: float, policy: OfferPolicy
) -> Iterator[tuple[str, str]]:
    """(action, reason) pairs answering the customer's reasons that raise risk, strongest reason first."""
    seen: set[str] = set()
    for reason in reasons:
        if reason.get("contribution", 0) <= 0:
            continue
        feature = reason["feature"]
        for action in REASON_ACTIONS.get(feature, DRIFT_ACTIONS):
            if action == LOYALTY and tier not in ("gold", "platinum"):
                continue
            if action == CALL and (churn_probability < policy.critical_from or value_low < policy.call_min_ltv_low):
                continue
            if action not in seen:
                seen.add(action)
                yield action, feature
    if WIN_BACK not in seen:
        yield WIN_BACK, reasons[0]["feature"] if reasons else ""


def propose_one(
    *,
    churn_probability: float,
    segment: str,
    tier: str,
    ltv: float,
    ltv_low_if_retained: float,
    spend_avg: float,
    reasons: list[dict[str, Any]],
    policy: OfferPolicy,
    personal_uplift: dict[str, float] | None = None,
) -> Proposal | None:
    best: Proposal | None = None
    value, value_low = value_if_retained(ltv, ltv_low_if_retained, churn_probability)
    for action, reason in candidates(reasons, tier, churn_probability, value_low, policy):
        discount = discount_for(action, spend_avg, value_low, policy)
        if discount < 0:
            continue
        cost = discount + (policy.call_cost if action == CALL else policy.message_cost)
        uplift, uplift_source = uplift_with_source(action, segment, policy, personal_uplift)
        net = value * policy.margin_rate * uplift - cost
        proposal = Proposal(
            action=action,
            addresses_reason=reason,
            discount_amount=discount,
            uplift=round(uplift, 4),
            uplift_source=uplift_source,
            cost=round(cost, 2),
            net_benefit=round(net, 2),
            roi=round(net / cost, 3),
            risk_adjusted_roi=round((value_low * policy.margin_rate * uplift - cost) / cost, 3),
        )
        if proposal.roi >= policy.min_roi and (best is None or proposal.net_benefit > best.net_benefit):
            best = proposal
    return best


def propose(customers: pd.DataFrame, policy: OfferPolicy) -> pd.DataFrame:
    """One row per customer who gets a proposal (index kept): the Proposal's fields as columns.

    `customers` columns: churn_probability, segment, loyalty_tier, ltv, ltv_low_if_retained, spend_avg, reasons
    (list of dicts with feature and contribution, strongest first), and optionally personal_uplift (a dict of
    action → the customer's own expected uplift, from the uplift model).
    """
    rows = {}
    no_model = pd.Series([None] * len(customers), index=customers.index, dtype=object)
    personal = customers["personal_uplift"] if "personal_uplift" in customers else no_model
    records: Iterator[Any] = customers.itertuples(index=False)  # namedtuples of the columns above
    for index, row in zip(customers.index, records, strict=True):
        proposal = propose_one(
            churn_probability=float(row.churn_probability),
            segment=row.segment,
            tier=row.loyalty_tier,
            ltv=float(row.ltv),
            ltv_low_if_retained=float(row.ltv_low_if_retained),
            spend_avg=float(row.spend_avg),
            reasons=row.reasons,
            policy=policy,
            personal_uplift=personal[index],
        )
        if proposal is not None:
            rows[index] = proposal.__dict__
    columns = list(Proposal.__dataclass_fields__)
    return pd.DataFrame.from_dict(rows, orient="index", columns=columns)


def in_control_group(external_ids: pd.Series, share: float, salt: str) -> pd.Series:
    """Reproducible random hold-out: a hash of the salt and the customer's id, uniform on [0, 1), below `share`."""
    import hashlib

    def draw(external_id: str) -> float:
        digest = hashlib.sha256(f"{salt}:{external_id}".encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64

    return external_ids.map(draw) < share
