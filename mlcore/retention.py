"""Retention over time and by signup cohort: of the customers active in one month, who is active in a later one.

Active means at least one completed booking in the calendar month. The functions read MonthCounts: how many
customers were active in each month, how many of them again in the next, how many joined in each month and how many
of those were active in each later month. The database counts them (analytics.selectors), so a year of a hundred
thousand customers is a few hundred numbers here, not their rows.
"""

import datetime as dt
from dataclasses import dataclass


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


@dataclass(frozen=True)
class MonthCounts:
    """Customers counted per month, each month its first day; a month nobody is counted in may be left out."""

    active: dict[dt.date, int]  # active in the month
    retained: dict[dt.date, int]  # of those, active in the next month too
    signups: dict[dt.date, int]  # joined in the month
    cohort_active: dict[tuple[dt.date, dt.date], int]  # (month joined, month): of those who joined, active in it


def retention_over_time(counts: MonthCounts, *, first: dt.date, last: dt.date) -> list[MonthRetention]:
    """Per complete month from `first` up to `last`, but the last (it has no next one in the period): the share of
    the customers active in it who are active in the next month."""
    months = complete_months(first, last)
    rows = []
    for month in months[:-1]:
        active, kept = counts.active.get(month, 0), counts.retained.get(month, 0)
        rows.append(MonthRetention(month=month, active=active, retained=kept, rate=share(kept, active)))
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


def cohort_retention(counts: MonthCounts, *, first: dt.date, last: dt.date) -> CohortRetention:
    """Monthly signup cohorts of the complete months from `first` to `last` × months since signup, as a matrix (one
    row per cohort, a month without signups an empty row) and as one curve."""
    months = complete_months(first, last)
    cohorts, kept_at, observed = [], [0] * len(months), [0] * len(months)
    for index, month in enumerate(months):
        size = counts.signups.get(month, 0)
        retention: list[float | None] = []
        for k, later in enumerate(months[index:]):
            kept = counts.cohort_active.get((month, later), 0)
            retention.append(share(kept, size))
            kept_at[k] += kept
            observed[k] += size
        retention += [None] * index  # not observed yet
        cohorts.append(Cohort(month=month, size=size, retention=retention))
    curve = [share(kept, seen) for kept, seen in zip(kept_at, observed, strict=True)]
    return CohortRetention(cohorts=cohorts, curve=curve, observed=observed)
