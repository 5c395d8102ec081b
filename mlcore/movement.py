"""How customers are spread over states that change over time (segments, loyalty tiers), and how they move.

`spells` has one row per customer and period in a state: columns `customer_id`, `state`, `valid_from` and
`valid_to` (dates; the state holds from valid_from up to the day before valid_to, a missing valid_to while it
lasts), as the history rows of segments and tiers record them.
"""

import datetime as dt
from collections import Counter
from dataclasses import dataclass

import pandas as pd

from mlcore.retention import share

NONE = ""  # the state of a customer without one on that day (not yet assigned)


def states_on(spells: pd.DataFrame, day: dt.date) -> pd.Series:
    """Each customer's state on `day` (index: customer id), for the customers who had one."""
    holds = (spells["valid_from"] <= day) & (spells["valid_to"].isna() | (spells["valid_to"] > day))
    return spells.loc[holds].set_index("customer_id")["state"]


@dataclass(frozen=True)
class Distribution:
    day: dt.date
    total: int
    counts: dict[str, int]  # state → customers, in order of the state
    shares: dict[str, float | None]  # state → share of the total; None on a day with no one


def distribution_over_time(spells: pd.DataFrame, days: list[dt.date]) -> list[Distribution]:
    rows = []
    for day in days:
        counts = Counter(str(state) for state in states_on(spells, day))
        total = sum(counts.values())
        ordered = dict(sorted(counts.items()))
        rows.append(Distribution(day, total, ordered, {key: share(n, total) for key, n in ordered.items()}))
    return rows


@dataclass(frozen=True)
class Movement:
    start: dt.date
    end: dt.date
    moved: int  # customers whose state on `end` differs from the one on `start` (a first state included)
    # from state → to state → customers, NONE for a customer without a state on that day
    flows: dict[str, dict[str, int]]


def movement_between(spells: pd.DataFrame, days: list[dt.date]) -> list[Movement]:
    """From each day to the next: who was where, and where they are now."""
    rows = []
    for start, end in zip(days, days[1:], strict=False):
        before, after = states_on(spells, start), states_on(spells, end)
        pairs = pd.concat([before.rename("from"), after.rename("to")], axis=1).fillna(NONE)
        flows: dict[str, dict[str, int]] = {}
        for (origin, target), count in sorted(Counter(zip(pairs["from"], pairs["to"], strict=True)).items()):
            flows.setdefault(str(origin), {})[str(target)] = count
        moved = int((pairs["from"] != pairs["to"]).sum())
        rows.append(Movement(start, end, moved, flows))
    return rows
