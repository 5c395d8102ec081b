"""Loyalty tiers: who qualifies for which tier, with hysteresis, and the history of every change with its reason."""

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.db import transaction

from loyalty.models import CustomerLoyalty, LoyaltyProgram, LoyaltyTier
from sheba_retention.common.history import history_change

# Columns tiers_decide reads, per customer.


@dataclass(frozen=True)
class TierRules:
    """The tier table as arrays ordered by rank (0 = lowest)."""

    names: list[str]
    min_ltv: np.ndarray
    min_bookings_per_year: np.ndarray
    min_tenure_days: np.ndarray
    min_active_months: np.ndarray
    pks: list[int]

    @classmethod
    def load(cls) -> "TierRules":
        tiers = list(LoyaltyTier.objects.order_by("rank"))
        if not tiers:
            raise LoyaltyTier.DoesNotExist("no loyalty tiers are defined: add them in the admin")
        return cls(
            names=[tier.name for tier in tiers],
            min_ltv=np.array([float(tier.min_ltv) for tier in tiers]),
            min_bookings_per_year=np.array([float(tier.min_bookings_per_year) for tier in tiers]),
            min_tenure_days=np.array([tier.min_tenure_days for tier in tiers], dtype=float),
            min_active_months=np.array([tier.min_active_months for tier in tiers], dtype=float),
            pks=[tier.pk for tier in tiers],
        )


def _qualifies(inputs: pd.DataFrame, rules: TierRules, rank: int, scale: float) -> np.ndarray:
    """Meets tier `rank` with its money, frequency and engagement thresholds scaled by `scale` (tenure never is)."""
    return (
        (inputs["ltv"].to_numpy() >= rules.min_ltv[rank] * scale)
        & (inputs["bookings_per_year"].to_numpy() >= rules.min_bookings_per_year[rank] * scale)
        & (inputs["tenure_days"].to_numpy() >= rules.min_tenure_days[rank])
        & (inputs["active_months_365d"].to_numpy() >= math.floor(rules.min_active_months[rank] * scale))
    )


def _highest_qualifying(inputs: pd.DataFrame, rules: TierRules, scale: float) -> np.ndarray:
    rank = np.zeros(len(inputs), dtype=int)
    for candidate in range(1, len(rules.names)):
        rank = np.where(_qualifies(inputs, rules, candidate, scale), candidate, rank)
    return rank


def tiers_decide(
    inputs: pd.DataFrame, current: pd.Series, held_days: pd.Series, rules: TierRules, program: LoyaltyProgram
) -> pd.DataFrame:
    """New tier rank per customer and why. `current` is the current rank (NaN: none yet), `held_days` how long.

    Upgrades happen as soon as a customer qualifies. A downgrade needs both: falling below `downgrade_margin` of the
    current tier's thresholds, and `min_hold_days` since the last change. So a customer on the edge does not flap.
    """
    target = _highest_qualifying(inputs, rules, 1.0)
    kept = _highest_qualifying(inputs, rules, program.downgrade_margin)
    has_tier = current.notna().to_numpy()
    now = np.where(has_tier, current.fillna(0).to_numpy(), -1).astype(int)
    held = held_days.fillna(0).to_numpy()

    new = now.copy()
    reason = np.full(len(inputs), "", dtype=object)
    first = ~has_tier
    new[first], reason[first] = target[first], "first tier assignment"
    up = has_tier & (target > now)
    new[up], reason[up] = target[up], "upgrade: meets the thresholds"
    below = has_tier & (target < now) & (kept < now)
    down = below & (held >= program.min_hold_days)
    new[down] = np.maximum(target[down], kept[down])
    reason[down] = f"downgrade: below {program.downgrade_margin:.0%} of the current tier's thresholds"
    return pd.DataFrame({"rank": new, "changed": new != now, "reason": reason}, index=inputs.index)


def describe_reasons(decisions: pd.DataFrame, inputs: pd.DataFrame, rules: TierRules) -> list[str]:
    """Each decision's reason with the numbers behind it, so the history row says exactly why."""
    texts = []
    for reason, rank, ltv, per_year, tenure, active in zip(
        decisions["reason"],
        decisions["rank"],
        inputs["ltv"],
        inputs["bookings_per_year"],
        inputs["tenure_days"],
        inputs["active_months_365d"],
        strict=True,
    ):
        texts.append(
            f"{reason} of {rules.names[rank].title()} (LTV Tk {ltv:,.0f} vs Tk {rules.min_ltv[rank]:,.0f}; "
            f"{per_year:.1f} bookings/yr vs {rules.min_bookings_per_year[rank]:g}; "
            f"tenure {tenure:.0f} d vs {rules.min_tenure_days[rank]:.0f}; "
            f"active {active:.0f}/12 months vs {rules.min_active_months[rank]:.0f})"[:255]
        )
    return texts


@transaction.atomic
def tiers_apply(*, as_of: dt.date, inputs: pd.DataFrame) -> dict[str, int]:
    """Decide every customer in `inputs` (index: customer pk) and write the changes to the tier history.

    Re-running the same day is idempotent: a change made on `as_of` is revised in place, not stacked. History only
    moves forward: a customer whose current row starts after `as_of` (a backfill) is left as they are.
    Returns counts: {"assigned", "upgraded", "downgraded", "unchanged"}.
    """
    rules, program = TierRules.load(), LoyaltyProgram.load()
    rank_of_pk = {pk: rank for rank, pk in enumerate(rules.pks)}
    open_rows = {
        row.customer_id: row
        for row in CustomerLoyalty.objects.select_for_update().filter(customer_id__in=list(inputs.index), valid_to=None)
    }
    current = pd.Series({pk: rank_of_pk[row.tier_id] for pk, row in open_rows.items()}, dtype=float).reindex(
        inputs.index
    )
    held = pd.Series({pk: (as_of - row.valid_from).days for pk, row in open_rows.items()}, dtype=float).reindex(
        inputs.index
    )
    decisions = tiers_decide(inputs, current, held, rules, program)
    later = inputs.index.isin([pk for pk, row in open_rows.items() if row.valid_from > as_of])
    changed = decisions["changed"].to_numpy() & ~later
    decided = decisions[changed]
    reasons = describe_reasons(decided, inputs[changed], rules)
    counts = {"assigned": 0, "upgraded": 0, "downgraded": 0, "unchanged": int((~changed).sum())}
    changes = []
    for pk, rank, reason in zip(decided.index, decided["rank"], reasons, strict=True):
        row = open_rows.get(pk)
        if row is None:
            counts["assigned"] += 1
        elif rank > rank_of_pk[row.tier_id]:
            counts["upgraded"] += 1
        else:
            counts["downgraded"] += 1
        changes.append((pk, {"tier_id": rules.pks[rank], "reason": reason}))
    history_change(model=CustomerLoyalty, as_of=as_of, open_rows=open_rows, changes=changes)
    return counts
