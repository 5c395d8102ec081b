"""How customers are spread over states that change over time (segments, loyalty tiers), and how they move.

`spells` has one row per customer and period in a state: columns `customer_id`, `state`, `valid_from` and
`valid_to` (dates; the state holds from valid_from up to the day before valid_to, a missing valid_to while it
lasts), as the history rows of segments and tiers record them.
"""

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from mlcore.retention import share

NONE = ""  # the state of a customer without one on that day (not yet assigned)


def states_on(spells: pd.DataFrame, day: dt.date) -> pd.Series:
    """Each customer's state on `day` (index: customer id), for the customers who had one."""
    return _on(_dated(spells), day)


def _dated(spells: pd.DataFrame) -> pd.DataFrame:
    """`spells` with its days as datetime64 and its states as text, so each day's comparisons are vectorised."""
    return spells.assign(
        valid_from=pd.to_datetime(spells["valid_from"]),
        valid_to=pd.to_datetime(spells["valid_to"]),
        state=spells["state"].astype(str),
    )


def _on(dated: pd.DataFrame, day: dt.date) -> pd.Series:
    moment = pd.Timestamp(day)
    holds = (dated["valid_from"] <= moment) & (dated["valid_to"].isna() | (dated["valid_to"] > moment))
    return dated.loc[holds].set_index("customer_id")["state"]


@dataclass(frozen=True)
class Distribution:
    day: dt.date
    total: int
    counts: dict[str, int]  # state → customers, in order of the state
    shares: dict[str, float | None]  # state → share of the total; None on a day with no one


def distribution_over_time(spells: pd.DataFrame, days: list[dt.date]) -> list[Distribution]:
    dated, rows = _dated(spells), []
    for day in days:
        counts = _on(dated, day).value_counts()
        total = int(counts.sum())
        ordered = {str(state): int(n) for state, n in sorted(counts.items())}
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
    dated, rows = _dated(spells), []
    for start, end in zip(days, days[1:], strict=False):
        before, after = _on(dated, start), _on(dated, end)
        pairs = pd.concat([before.rename("from"), after.rename("to")], axis=1).fillna(NONE)
        flows: dict[str, dict[str, int]] = {}
        for (origin, target), count in sorted(pairs.groupby(["from", "to"]).size().items()):
            flows.setdefault(str(origin), {})[str(target)] = int(count)
        moved = int((pairs["from"] != pairs["to"]).sum())
        rows.append(Movement(start, end, moved, flows))
    return rows
