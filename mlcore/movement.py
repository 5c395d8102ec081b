"""How customers are spread over states that change over time (segments, loyalty tiers), and how they move.

`spells` has one row per customer and period in a state: columns `customer_id`, `state`, `valid_from` and
`valid_to` (dates; the state holds from valid_from up to the day before valid_to, a missing valid_to while it
lasts), as the history rows of segments and tiers record them.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mlcore.retention import share

NONE = ""  # the state of a customer without one on that day (not yet assigned)


@dataclass(frozen=True)
class _Numbered:
    """The spells as numpy arrays: customers and states numbered, days as datetime64, so each day is a few vector
    operations over every spell instead of a pass through Python objects."""

    customer: np.ndarray  # each spell's customer, numbered from 0
    state: np.ndarray  # each spell's state, an index into `names`
    names: list[str]  # the states, in order
    start: np.ndarray
    end: np.ndarray  # the day the spell ends; far in the future while it lasts
    customers: int


def _numbered(spells: pd.DataFrame) -> _Numbered:
    customer, customers = pd.factorize(spells["customer_id"])
    state, names = pd.factorize(spells["state"].astype(str), sort=True)
    end = pd.to_datetime(spells["valid_to"]).to_numpy("datetime64[D]")
    return _Numbered(
        customer=customer,
        state=state,
        names=[str(name) for name in names],
        start=pd.to_datetime(spells["valid_from"]).to_numpy("datetime64[D]"),
        end=np.where(np.isnat(end), np.datetime64("9999-12-31"), end),
        customers=len(customers),
    )


def _states_on(spells: _Numbered, day: dt.date) -> np.ndarray:
    """Each customer's state (an index into spells.names) on `day`; -1 for a customer without one that day."""
    moment = np.datetime64(day, "D")
    holds = (spells.start <= moment) & (spells.end > moment)
    states = np.full(spells.customers, -1)
    states[spells.customer[holds]] = spells.state[holds]
    return states


@dataclass(frozen=True)
class Distribution:
    day: dt.date
    total: int
    counts: dict[str, int]  # state → customers, in order of the state
    shares: dict[str, float | None]  # state → share of the total; None on a day with no one


def distribution_over_time(spells: pd.DataFrame, days: list[dt.date]) -> list[Distribution]:
    numbered, rows = _numbered(spells), []
    for day in days:
        states = _states_on(numbered, day)
        counts = np.bincount(states[states >= 0], minlength=len(numbered.names))
        total = int(counts.sum())
        ordered = {name: int(n) for name, n in zip(numbered.names, counts, strict=True) if n}
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
    numbered, rows = _numbered(spells), []
    names = [NONE, *numbered.names]  # a state's index + 1; NONE sorts first, as "" does
    for start, end in zip(days, days[1:], strict=False):
        before, after = _states_on(numbered, start) + 1, _states_on(numbered, end) + 1
        seen = (before > 0) | (after > 0)
        pairs, counts = np.unique(before[seen] * len(names) + after[seen], return_counts=True)
        flows: dict[str, dict[str, int]] = {}
        for pair, count in zip(pairs, counts, strict=True):
            flows.setdefault(names[pair // len(names)], {})[names[pair % len(names)]] = int(count)
        moved = int((before[seen] != after[seen]).sum())
        rows.append(Movement(start, end, moved, flows))
    return rows


@dataclass(frozen=True)
class Transitions:
    """The moves from each month end to the next, summed over a period: `counts[i][j]` customers were in
    `states[i]` at one month end and in `states[j]` at the next (NONE for a customer without a state yet); the
    diagonal holds those who stayed."""

    states: list[str]  # NONE first when some customer had no state at a month end, then in order
    counts: list[list[int]]

    def total(self, row: int) -> int:
        return sum(self.counts[row])

    def columns(self) -> list[int]:
        """The columns worth showing: every state's, NONE's only when some customer lost their state."""
        return [
            column
            for column, state in enumerate(self.states)
            if state != NONE or any(counts[column] for counts in self.counts)
        ]

    def share(self, row: int, column: int) -> float | None:
        """Of those in states[row], the share found in states[column] a month later; None for a state no one was in."""
        return share(self.counts[row][column], self.total(row))


def transitions(movements: list[Movement], order: Sequence[str] = ()) -> Transitions:
    """The full from → to matrix of `movements` (movement_between's), stayers included: the states in `order`
    (those some customer was in), then any others sorted, NONE first and only as long as someone came from it or
    went to it."""
    seen = {state for move in movements for source, targets in move.flows.items() for state in (source, *targets)}
    states = [NONE] if NONE in seen else []
    states += [state for state in order if state in seen and state != NONE]
    states += sorted(seen - set(states))
    index = {state: position for position, state in enumerate(states)}
    counts = [[0] * len(states) for _ in states]
    for move in movements:
        for source, targets in move.flows.items():
            for target, count in targets.items():
                counts[index[source]][index[target]] += count
    return Transitions(states, counts)
