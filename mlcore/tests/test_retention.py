"""Retention over time and by signup cohort on hand-counted customers: empty months and cohorts included."""

import datetime as dt

from mlcore.retention import (
    Cohort,
    CohortRetention,
    MonthCounts,
    MonthRetention,
    cohort_retention,
    months_between,
    retention_over_time,
)

JAN, FEB, MAR, APR = (dt.date(2025, month, 1) for month in (1, 2, 3, 4))


def counts(activity: dict[dt.date, list[int]], signups: dict[dt.date, list[int]] | None = None) -> MonthCounts:
    """What the database counts, from the customers (by id) active and joined in each month."""
    active = {month: set(customers) for month, customers in activity.items()}
    joined = {month: set(customers) for month, customers in (signups or {}).items()}
    return MonthCounts(
        active={month: len(customers) for month, customers in active.items()},
        retained={
            month: len(customers & active.get(dt.date(month.year + month.month // 12, month.month % 12 + 1, 1), set()))
            for month, customers in active.items()
        },
        signups={month: len(customers) for month, customers in joined.items()},
        cohort_active={
            (cohort, month): len(members & customers)
            for cohort, members in joined.items()
            for month, customers in active.items()
        },
    )


def test_months_between_covers_the_months_holding_both_days() -> None:
    assert months_between(dt.date(2024, 12, 31), dt.date(2025, 2, 1)) == [dt.date(2024, 12, 1), JAN, FEB]
    assert months_between(FEB, JAN) == []


def test_retention_over_time_is_the_share_of_each_months_active_customers_active_the_next() -> None:
    # given: March has nobody active
    activity = counts({JAN: [1, 2, 3, 4], FEB: [1, 2, 5], APR: [1]})

    # when
    retention = retention_over_time(activity, first=dt.date(2025, 1, 15), last=dt.date(2025, 4, 3))

    # then: April is not over, so March has no next month yet
    assert retention == [
        MonthRetention(month=JAN, active=4, retained=2, rate=0.5),
        MonthRetention(month=FEB, active=3, retained=0, rate=0.0),
    ]


def test_a_month_not_over_yet_is_not_counted_as_everyone_lost() -> None:
    # given: the data ends on the 1st of April, when one of March's three has booked again
    activity = {FEB: [1, 2, 3], MAR: [1, 2, 3], APR: [1]}

    # when
    to_the_1st = retention_over_time(counts(activity), first=FEB, last=dt.date(2025, 4, 1))
    to_the_30th = retention_over_time(counts(activity), first=FEB, last=dt.date(2025, 4, 30))
    cohorts = cohort_retention(counts(activity, {MAR: [1, 2, 3]}), first=FEB, last=dt.date(2025, 4, 1))

    # then: March's retention waits for April to end, and so does the cohort's second month
    assert to_the_1st == [MonthRetention(month=FEB, active=3, retained=3, rate=1.0)]
    assert to_the_30th[-1] == MonthRetention(month=MAR, active=3, retained=1, rate=1 / 3)
    assert cohorts.cohorts[-1] == Cohort(month=MAR, size=3, retention=[1.0, None])


def test_retention_over_time_of_no_activity_or_one_month_is_empty_or_undefined() -> None:
    nobody = counts({})

    assert retention_over_time(nobody, first=JAN, last=dt.date(2025, 2, 28)) == [MonthRetention(JAN, 0, 0, None)]
    assert retention_over_time(nobody, first=JAN, last=JAN) == []


def test_cohorts_give_the_matrix_and_the_curve_weighted_by_cohort_size() -> None:
    # given: nobody signs up in February
    signups = {JAN: [1, 2], MAR: [3]}
    activity = {JAN: [1, 2], FEB: [1], MAR: [2, 3]}

    # when
    cohorts = cohort_retention(counts(activity, signups), first=JAN, last=dt.date(2025, 3, 31))

    # then
    assert cohorts == CohortRetention(
        cohorts=[
            Cohort(month=JAN, size=2, retention=[1.0, 0.5, 0.5]),
            Cohort(month=FEB, size=0, retention=[None, None, None]),
            Cohort(month=MAR, size=1, retention=[1.0, None, None]),
        ],
        curve=[1.0, 0.5, 0.5],
        observed=[3, 2, 2],
    )


def test_cohorts_without_signups_have_no_curve() -> None:
    cohorts = cohort_retention(counts({JAN: [7]}), first=JAN, last=dt.date(2025, 2, 28))

    assert cohorts.curve == [None, None]
    assert [cohort.size for cohort in cohorts.cohorts] == [0, 0]
