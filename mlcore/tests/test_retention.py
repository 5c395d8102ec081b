"""Retention over time and by signup cohort on hand-counted customers: empty months and cohorts included."""

import datetime as dt

import pandas as pd

from mlcore.retention import (
    Cohort,
    CohortRetention,
    MonthRetention,
    cohort_retention,
    months_between,
    retention_over_time,
)

JAN, FEB, MAR, APR = (dt.date(2025, month, 1) for month in (1, 2, 3, 4))


def rows(by_month: dict[dt.date, list[int]]) -> pd.DataFrame:
    return pd.DataFrame(
        [(customer, month) for month, customers in by_month.items() for customer in customers],
        columns=["customer_id", "month"],
    )


def test_months_between_covers_the_months_holding_both_days() -> None:
    assert months_between(dt.date(2024, 12, 31), dt.date(2025, 2, 1)) == [dt.date(2024, 12, 1), JAN, FEB]
    assert months_between(FEB, JAN) == []


def test_retention_over_time_is_the_share_of_each_months_active_customers_active_the_next() -> None:
    # given: March has nobody active
    activity = rows({JAN: [1, 2, 3, 4], FEB: [1, 2, 5], APR: [1]})

    # when
    retention = retention_over_time(activity, first=dt.date(2025, 1, 15), last=dt.date(2025, 4, 3))

    # then: April is not over, so March has no next month yet
    assert retention == [
        MonthRetention(month=JAN, active=4, retained=2, rate=0.5),
        MonthRetention(month=FEB, active=3, retained=0, rate=0.0),
    ]


def test_a_month_not_over_yet_is_not_counted_as_everyone_lost() -> None:
    # given: the data ends on the 1st of April, when one of March's three has booked again
    activity = rows({FEB: [1, 2, 3], MAR: [1, 2, 3], APR: [1]})

    # when
    to_the_1st = retention_over_time(activity, first=FEB, last=dt.date(2025, 4, 1))
    to_the_30th = retention_over_time(activity, first=FEB, last=dt.date(2025, 4, 30))
    cohorts = cohort_retention(rows({MAR: [1, 2, 3]}), activity, first=FEB, last=dt.date(2025, 4, 1))

    # then: March's retention waits for April to end, and so does the cohort's second month
    assert to_the_1st == [MonthRetention(month=FEB, active=3, retained=3, rate=1.0)]
    assert to_the_30th[-1] == MonthRetention(month=MAR, active=3, retained=1, rate=1 / 3)
    assert cohorts.cohorts[-1] == Cohort(month=MAR, size=3, retention=[1.0, None])


def test_retention_over_time_of_no_activity_or_one_month_is_empty_or_undefined() -> None:
    nobody = rows({})

    assert retention_over_time(nobody, first=JAN, last=dt.date(2025, 2, 28)) == [MonthRetention(JAN, 0, 0, None)]
    assert retention_over_time(nobody, first=JAN, last=JAN) == []


def test_cohorts_give_the_matrix_and_the_curve_weighted_by_cohort_size() -> None:
    # given: nobody signs up in February
    signups = rows({JAN: [1, 2], MAR: [3]})
    activity = rows({JAN: [1, 2], FEB: [1], MAR: [2, 3]})

    # when
    cohorts = cohort_retention(signups, activity, first=JAN, last=dt.date(2025, 3, 31))

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
    cohorts = cohort_retention(rows({}), rows({JAN: [7]}), first=JAN, last=dt.date(2025, 2, 28))

    assert cohorts.curve == [None, None]
    assert [cohort.size for cohort in cohorts.cohorts] == [0, 0]
