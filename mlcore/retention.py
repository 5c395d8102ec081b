"""Retention over time and by signup cohort: of the customers active in one month, who is active in a later one.

Active means at least one completed booking in the calendar month. The functions read `activity`, one row per
customer and month they were active (columns `customer_id` and `month`, the first day of the month as a date), and
for cohorts `signups` (columns `customer_id` and `month`, the month the customer joined).
"""

import datetime as dt
from dataclasses import dataclass
from typing import cast

import pandas as pd


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """The first days of the months from the one holding `first` to the one holding `last`, both included."""
    months, month = [], month_start(first)
    while month <= last:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


def complete_months(first: dt.date, last: dt.date) -> list[dt.date]:
    """months_between, without the month holding `last` unless `last` is its final day: a month half over would
    count everyone who has not booked *yet* as lost (the day after the data ends, retention falls to nothing)."""
    months = months_between(first, last)
    if months and (last + dt.timedelta(days=1)).month == last.month:
        months.pop()
    return months


def share(part: int, whole: int) -> float | None:
    """part ÷ whole, None when there is no whole to share out (an empty month or cohort)."""
    return part / whole if whole else None


@dataclass(frozen=True)
class MonthRetention:
    month: dt.date  # the first day of the month
    active: int  # customers active in the month
    retained: int  # of those, active in the next month
    rate: float | None  # retained ÷ active; None when nobody was active


def members_by_month(rows: pd.DataFrame) -> dict[dt.date, set[int]]:
    """The customers of each month in a frame of (customer_id, month) rows."""
    return {cast(dt.date, month): set(group["customer_id"]) for month, group in rows.groupby("month")}


def retention_over_time(activity: pd.DataFrame, *, first: dt.date, last: dt.date) -> list[MonthRetention]:
    """Per complete month from `first` up to `last`, but the last (it has no next one in the period): the share of
    the customers active in it who are active in the next month."""
    active = members_by_month(activity)
    months = complete_months(first, last)
    rows = []
    for month, following in zip(months, months[1:], strict=False):
        now, later = active.get(month, set()), active.get(following, set())
        kept = len(now & later)
        rows.append(MonthRetention(month=month, active=len(now), retained=kept, rate=share(kept, len(now))))
    return rows


@dataclass(frozen=True)
class Cohort:
    month: dt.date  # the signup month
    size: int
    # Share of the cohort active k months after signup (k = 0, 1, …); None for months after the period's end, and
    # for every month of an empty cohort.
    retention: list[float | None]


@dataclass(frozen=True)
class CohortRetention:
    cohorts: list[Cohort]
    # Per months since signup: the customers active ÷ the customers of every cohort that has reached that month
    # (the cohorts weighted by their size), and how many customers that is.
    curve: list[float | None]
    observed: list[int]


def cohort_retention(
    signups: pd.DataFrame, activity: pd.DataFrame, *, first: dt.date, last: dt.date
) -> CohortRetention:
    """Monthly signup cohorts of the complete months from `first` to `last` × months since signup, as a matrix (one
    row per cohort, a month without signups an empty row) and as one curve."""
    months = complete_months(first, last)
    members, active = members_by_month(signups), members_by_month(activity)
    cohorts, kept_at, observed = [], [0] * len(months), [0] * len(months)
    for index, month in enumerate(months):
        cohort = members.get(month, set())
        retention: list[float | None] = []
        for k, later in enumerate(months[index:]):
            kept = len(cohort & active.get(later, set()))
            retention.append(share(kept, len(cohort)))
            kept_at[k] += kept
            observed[k] += len(cohort)
        retention += [None] * index  # not observed yet
        cohorts.append(Cohort(month=month, size=len(cohort), retention=retention))
    curve = [share(kept, seen) for kept, seen in zip(kept_at, observed, strict=True)]
    return CohortRetention(cohorts=cohorts, curve=curve, observed=observed)
