"""The transaction-log world: deterministic, one first-quarter cohort, and the features that make it unlike BTYD."""

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import pytest

from customers.synthetic import calendar
from customers.synthetic.transactions import (
    TransactionLog,
    start_of,
    transaction_history,
    transactions_simulate,
)
from mlcore.features import BOOKING_COLUMNS

END = dt.date(2025, 6, 30)
START = dt.date(2024, 7, 1)  # twelve months ending on END
CUTOFF = pd.Timestamp("2025-07-01", tz="Asia/Dhaka").tz_convert("UTC")  # the first instant after END in Dhaka


@pytest.fixture(scope="module")
def log() -> TransactionLog:
    return transactions_simulate(n_customers=20_000, months=12, seed=11, end_date=END)


@pytest.fixture(scope="module")
def purchases(log: TransactionLog) -> pd.Series:
    """Purchases per customer (everyone in a log has made one)."""
    return log.bookings["customer_external_id"].value_counts()


@pytest.fixture(scope="module")
def age_days(log: TransactionLog) -> pd.Series:
    """Days from the customer's first purchase to each purchase."""
    joined = log.bookings["customer_external_id"].map(log.customers.set_index("external_id")["joined_at"])
    return (log.bookings["booked_at"] - joined).dt.total_seconds() / 86400


def _dhaka_day(times: pd.Series) -> pd.Series:
    """Days since START of each instant's Dhaka date."""
    local = times.dt.tz_convert("Asia/Dhaka").dt.tz_localize(None).dt.normalize()
    return (local - pd.Timestamp(START)).dt.days


# --- determinism and arguments ----------------------------------------------------------------------------------
def test_same_arguments_give_identical_logs_and_another_seed_differs():
    # given
    kwargs: dict[str, Any] = {"n_customers": 500, "months": 9, "end_date": END}

    # when
    first, again, other = (transactions_simulate(seed=seed, **kwargs) for seed in (3, 3, 4))

    # then
    pd.testing.assert_frame_equal(first.customers, again.customers)
    pd.testing.assert_frame_equal(first.bookings, again.bookings)
    assert not first.bookings.equals(other.bookings)


@pytest.mark.parametrize("months", [0, 8, 19, 24])
def test_lengths_outside_nine_to_eighteen_months_are_refused(months):
    with pytest.raises(ValueError, match=f"covers 9 to 18 months .*; got {months}$"):
        transactions_simulate(n_customers=10, months=months, seed=1, end_date=END)


def test_a_log_needs_a_customer():
    with pytest.raises(ValueError, match="at least 1"):
        transactions_simulate(n_customers=0, months=12, seed=1, end_date=END)


@pytest.mark.parametrize(
    ("end", "months", "start"),
    [
        (END, 12, START),
        (END, 9, dt.date(2024, 10, 1)),
        (END, 18, dt.date(2024, 1, 1)),
        (dt.date(2025, 2, 28), 12, dt.date(2024, 3, 1)),
        (dt.date(2025, 6, 15), 9, dt.date(2024, 9, 16)),
    ],
)
def test_a_log_of_whole_months_starts_the_day_after_its_end_that_many_months_earlier(end, months, start):
    assert start_of(end, months) == start


def test_the_frames_hold_only_id_date_and_amount(log: TransactionLog):
    assert list(log.customers.columns) == ["external_id", "joined_at"]
    assert list(log.bookings.columns) == ["customer_external_id", "booked_at", "amount"]
    assert str(log.bookings["booked_at"].dtype) == str(log.customers["joined_at"].dtype) == "datetime64[us, UTC]"
    assert log.customers["external_id"].is_unique
    assert log.customers["external_id"].str.fullmatch(r"T\d{6}").all()
    assert (log.start_date, log.end_date) == (START, END)


# --- the cohort and the calendar --------------------------------------------------------------------------------
def test_the_whole_cohort_is_acquired_in_the_first_quarter_at_its_first_purchase(log: TransactionLog, purchases):
    # given
    joined_day = _dhaka_day(log.customers["joined_at"])
    first = log.bookings.groupby("customer_external_id")["booked_at"].min()

    # then
    assert set(purchases.index) == set(log.customers["external_id"])
    assert joined_day.between(0, 89).all()
    assert (log.customers.set_index("external_id")["joined_at"] == first.reindex(log.customers["external_id"])).all()
    assert log.customers["joined_at"].is_monotonic_increasing  # ids follow the order of joining
    # Spread over the quarter, fading as the launch campaign does.
    by_month = np.bincount(joined_day // 30, minlength=3)
    assert by_month[0] > by_month[1] > by_month[2] > 0.2 * len(log.customers)


def test_nothing_happens_after_the_end_date_and_buying_goes_on_to_it(log: TransactionLog):
    booked = log.bookings["booked_at"]

    assert booked.max() < CUTOFF
    assert booked.min() >= pd.Timestamp(START, tz="Asia/Dhaka")
    assert (booked >= CUTOFF - pd.Timedelta(days=7)).sum() > 100
    assert booked.is_monotonic_increasing
    hours = booked.dt.tz_convert("Asia/Dhaka").dt.hour
    assert hours.between(8, 21).all()
    assert not log.bookings.duplicated(["customer_external_id", "booked_at"]).any()


def test_repeat_purchases_peak_before_eid_and_on_the_weekend(log: TransactionLog, age_days):
    # given: repeat purchases only (first purchases follow acquisition)
    repeat_day = _dhaka_day(log.bookings.loc[age_days > 0, "booked_at"])
    per_day = np.bincount(repeat_day, minlength=365)
    pre_eid = np.flatnonzero(calendar.pre_eid_mask(START, 365))  # before Eid-ul-Fitr 2025 and Eid-ul-Adha 2025

    # when
    rushes = np.split(pre_eid, np.flatnonzero(np.diff(pre_eid) > 1) + 1)
    lift = [per_day[days].mean() / per_day[days[0] - 20 : days[0]].mean() for days in rushes]
    weekday = pd.Series(repeat_day).map(lambda d: (START + dt.timedelta(days=int(d))).weekday())
    friday_vs_monday = (weekday == 4).sum() / (weekday == 0).sum()

    # then
    assert len(rushes) == 2
    assert min(lift) > 1.4
    assert friday_vs_monday == pytest.approx(1.20 / 0.95, abs=0.12)


def test_without_seasons_the_days_before_eid_and_the_weekend_are_like_any_other():
    # given the same cohort without the season's pattern
    flat = transactions_simulate(n_customers=20_000, months=12, seed=11, end_date=END, seasons=False)
    joined = flat.bookings["customer_external_id"].map(flat.customers.set_index("external_id")["joined_at"])
    repeat_day = _dhaka_day(flat.bookings.loc[flat.bookings["booked_at"] > joined, "booked_at"])
    per_day = np.bincount(repeat_day, minlength=365)
    pre_eid = np.flatnonzero(calendar.pre_eid_mask(START, 365))

    # when
    rushes = np.split(pre_eid, np.flatnonzero(np.diff(pre_eid) > 1) + 1)
    lift = [per_day[days].mean() / per_day[days[0] - 20 : days[0]].mean() for days in rushes]
    weekday = pd.Series(repeat_day).map(lambda d: (START + dt.timedelta(days=int(d))).weekday())

    # then: no rush before either Eid, no busier Friday
    assert max(abs(value - 1) for value in lift) < 0.2
    assert (weekday == 4).sum() / (weekday == 0).sum() == pytest.approx(1.0, abs=0.08)


# --- purchasing -------------------------------------------------------------------------------------------------
def test_half_buy_only_once_and_a_customer_makes_two_to_five_purchases(purchases):
    assert 0.45 <= (purchases == 1).mean() <= 0.55
    assert 2.0 <= purchases.mean() <= 5.0
    assert purchases.quantile(0.99) >= 10  # and a tail of loyal regulars


def test_the_purchase_rate_decays_with_the_customers_age(log: TransactionLog, age_days):
    # given: customers still buying after 240 days were alive through their first 240, so dropout is out of it
    survivors = log.bookings.loc[age_days >= 240, "customer_external_id"].unique()
    theirs = log.bookings["customer_external_id"].isin(survivors)

    # when
    early = (theirs & (age_days > 0) & (age_days < 120)).sum()
    late = (theirs & (age_days >= 120) & (age_days < 240)).sum()

    # then
    assert len(survivors) > 1000
    assert late / early < 0.75


def test_some_buy_on_a_rhythm_and_others_in_bursts(log: TransactionLog, purchases):
    # given: the gaps of customers with six purchases or more
    frequent = log.bookings[log.bookings["customer_external_id"].map(purchases) >= 6]
    gap = frequent.groupby("customer_external_id")["booked_at"].diff().dt.total_seconds() / 86400

    # when
    variation = gap.groupby(frequent["customer_external_id"]).agg(lambda days: days.std() / days.mean())

    # then: near-periodic buyers (a Poisson process has 1) and clustered ones, both common
    assert (variation < 0.6).mean() > 0.15
    assert (variation > 1.2).mean() > 0.25
    assert (gap < 7).mean() > 0.15


# --- spend ------------------------------------------------------------------------------------------------------
def test_amounts_are_log_normal_around_two_thousand_taka(log: TransactionLog):
    amount = log.bookings["amount"]

    assert 1500 <= amount.median() <= 2500
    assert amount.min() >= 100
    assert (amount == amount.round()).all()
    assert np.log(amount).skew() == pytest.approx(0, abs=0.15)
    assert 0.6 <= np.log(amount).std() <= 0.9


def test_spend_per_purchase_rises_with_frequency(log: TransactionLog, purchases):
    group = pd.cut(log.bookings["customer_external_id"].map(purchases), [0, 1, 3, 6, 1000])

    median = log.bookings.groupby(group, observed=True)["amount"].median()

    assert median.is_monotonic_increasing
    assert median.iloc[-1] > 1.3 * median.iloc[0]


def test_spend_drifts_up_over_time_within_a_customer(log: TransactionLog, purchases):
    # given: repeat buyers' log amounts and times, each centred on the customer's own mean
    repeaters = log.bookings[log.bookings["customer_external_id"].map(purchases) >= 2]
    frame = pd.DataFrame(
        {
            "log_amount": np.log(repeaters["amount"]),
            "years": (repeaters["booked_at"] - repeaters["booked_at"].min()).dt.total_seconds() / (365.25 * 86400),
        }
    )
    centred = frame - frame.groupby(repeaters["customer_external_id"]).transform("mean")

    # when
    slope = (centred["log_amount"] * centred["years"]).sum() / (centred["years"] ** 2).sum()

    # then: prices grow ~9% a year; customers' own drifts average out
    assert slope == pytest.approx(0.09, abs=0.04)


# --- files and the History frame ----------------------------------------------------------------------------------
def test_csv_files_hold_the_columns_the_importers_read(tmp_path):
    # given
    log = transactions_simulate(n_customers=3, months=9, seed=5, end_date=END)

    # when
    customers_csv, bookings_csv = log.to_csv(tmp_path / "log")

    # then
    customers = customers_csv.read_text().splitlines()
    bookings = bookings_csv.read_text().splitlines()
    assert customers[0] == "customer_id,joined_at"
    assert bookings[0] == "customer_id,booked_at,amount"
    assert len(customers) == 4
    assert len(bookings) == len(log.bookings) + 1
    first = log.bookings.iloc[0]
    local = first["booked_at"].tz_convert("Asia/Dhaka").strftime("%Y-%m-%dT%H:%M:%S")
    assert bookings[1] == f"{first['customer_external_id']},{local}+06:00,{first['amount']:.2f}"
    assert customers[1] == f"T000001,{local}+06:00"  # the first purchase of all is the first customer's


def test_the_history_is_what_a_plain_import_stores(log: TransactionLog):
    # when
    history = transaction_history(log)

    # then
    bookings = history.bookings
    assert list(bookings.columns) == list(BOOKING_COLUMNS)
    assert len(bookings) == len(log.bookings)
    assert history.customers["customer_id"].tolist() == list(range(1, len(log.customers) + 1))
    assert (history.customers["joined_at"] == log.customers["joined_at"]).all()
    assert bookings["customer_id"].iloc[0] == int(log.bookings["customer_external_id"].iloc[0][1:])
    assert (bookings["booked_at"] == log.bookings["booked_at"]).all()
    assert (bookings["amount"] == log.bookings["amount"]).all()
    assert set(bookings["status"]) == {"completed"}
    assert set(bookings["category"]) == {"other"}
    assert (bookings["discount"] == 0).all()
    assert bookings["rating"].isna().all()
    assert not bookings["provider_premium"].any()
    assert not bookings["provider_verified"].any()
    assert history.complaints.empty
    assert history.searches.empty
