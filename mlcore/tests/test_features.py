"""Point-in-time features: exact values on a hand-made history, no leakage on the simulated marketplace."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from mlcore.features import (
    FEATURES,
    History,
    build_features,
    cutoff_of,
    informative_features,
    uninformative_features,
)
from mlcore.tests.conftest import AS_OF
from mlcore.tests.factories import booking, history_before, make_history

AS_OF_HAND = dt.date(2026, 3, 1)  # cutoff: 2026-03-01 00:00 in Dhaka = 2026-02-28 18:00 UTC


@pytest.fixture(scope="module")
def hand_history() -> History:
    """Customer 1 is a regular with every kind of event; 2 booked once; 3 only books at the cutoff; 4 is new."""
    return make_history(
        [
            booking(1, "2025-03-01 12:00", amount=1000, discount=100, rating=5, category="ac", premium=True),
            booking(1, "2025-07-01 12:00", amount=2000, rating=2, category="plumbing"),
            booking(1, "2025-11-01 12:00", amount=1500, discount=300, category="ac", verified=False),
            booking(1, "2025-12-15 12:00", status="no_show"),
            booking(1, "2026-02-01 12:00", amount=500, rating=4, category="cleaning", premium=True),
            booking(1, "2026-02-10 12:00", status="cancelled", amount=800),
            booking(1, "2026-03-01 00:00", amount=99_999, discount=5),  # at the cutoff: not yet known
            booking(2, "2025-08-10 12:00", amount=3000, rating=1, category="pest", verified=False),
            booking(3, "2026-03-01 00:00"),
            booking(3, "2026-04-01 10:00"),
            booking(4, "2026-02-20 12:00", amount=700, category="beauty"),
        ],
        joined={1: "2025-01-01 00:00", 2: "2025-08-10 10:00", 3: "2025-12-01 00:00", 4: "2026-02-19 00:00"},
        complaints=[(1, "2025-07-02 12:00"), (1, "2026-01-15 12:00"), (1, "2026-03-05 09:00"), (3, "2026-01-01 00:00")],
        searches=[(1, "2026-02-10 12:00"), (1, "2025-10-01 12:00"), (1, "2026-03-01 00:30")],
    )


@pytest.fixture(scope="module")
def hand_features(hand_history: History) -> pd.DataFrame:
    return build_features(hand_history, AS_OF_HAND)


# Booking ages at the cutoff (days): 364.5, 242.5, 119.5 and 27.5 for customer 1's completed bookings, 75.5 for
# the no-show, 18.5 for the cancellation.
CUSTOMER_1 = {
    "days_since_last_booking": 18.5,  # the cancellation counts for recency
    "days_since_first_booking": 364.5,
    "tenure_days": 424.0,
    "bookings_total": 4,
    "bookings_30d": 1,
    "bookings_90d": 1,
    "bookings_180d": 2,
    "bookings_365d": 4,
    "bookings_per_year": 4 / (424 / 365.25),
    "active_months_365d": 4,  # months back 11, 7, 3 and 0
    "spend_total": 4600.0,  # net of discounts: 900 + 2000 + 1200 + 500
    "spend_avg": 1150.0,
    "spend_90d": 500.0,
    "spend_365d": 4600.0,
    "btyd_recency_days": 337.0,
    "btyd_age_days": 364.5,
    "gap_mean_days": 337 / 3,  # gaps 122, 123, 92
    "gap_std_days": float(np.std([122, 123, 92])),
    "gap_last_days": 92.0,
    "overdue_ratio": 18.5 / (337 / 3),
    "service_diversity": 3,
    "discount_share": 0.5,
    "discount_pct_avg": 0.075,  # (10% + 0 + 20% + 0) / 4
    "premium_share": 0.5,
    "verified_share": 0.75,
    "rating_avg": 11 / 3,
    "low_ratings": 1,
    "unrated_share": 0.25,
    "complaints_total": 2,
    "complaints_90d": 1,
    "days_since_last_complaint": 44.5,
    "competitor_searches_total": 2,
    "competitor_searches_30d": 1,
    "competitor_searches_90d": 1,
    "cancellations_total": 1,
    "no_shows_total": 1,
    "cancel_share": 2 / 6,
    "share_summer": 0.0,
    "share_monsoon": 0.25,
    "share_autumn": 0.25,
    "share_winter": 0.5,
    "usual_season_upcoming": 1.0,
    "days_to_usual_season": 0.0,  # March is winter: under way
}
CUSTOMER_2 = {
    "days_since_last_booking": 202.5,
    "days_since_first_booking": 202.5,
    "tenure_days": 202.5 + 2 / 24,  # joined two hours before booking
    "bookings_total": 1,
    "bookings_30d": 0,
    "bookings_90d": 0,
    "bookings_180d": 0,
    "bookings_365d": 1,
    "bookings_per_year": 365.25 / (202.5 + 2 / 24),
    "active_months_365d": 1,
    "spend_total": 3000.0,
    "spend_avg": 3000.0,
    "spend_90d": 0.0,
    "spend_365d": 3000.0,
    "btyd_recency_days": 0.0,
    "btyd_age_days": 202.5,
    "gap_mean_days": -1.0,
    "gap_std_days": -1.0,
    "gap_last_days": -1.0,
    "overdue_ratio": 202.5 / 365.25,  # no gap yet: measured against a year
    "service_diversity": 1,
    "discount_share": 0.0,
    "discount_pct_avg": 0.0,
    "premium_share": 0.0,
    "verified_share": 0.0,
    "rating_avg": 1.0,
    "low_ratings": 1,
    "unrated_share": 0.0,
    "complaints_total": 0,
    "complaints_90d": 0,
    "days_since_last_complaint": -1.0,
    "competitor_searches_total": 0,
    "competitor_searches_30d": 0,
    "competitor_searches_90d": 0,
    "cancellations_total": 0,
    "no_shows_total": 0,
    "cancel_share": 0.0,
    "share_summer": 0.0,
    "share_monsoon": 1.0,
    "share_autumn": 0.0,
    "share_winter": 0.0,
    "usual_season_upcoming": 0.0,
    "days_to_usual_season": 122.0,  # 2026-03-01 to 2026-07-01
}
CUSTOMER_4 = {
    "days_since_last_booking": 8.5,
    "tenure_days": 10.0,
    "bookings_per_year": 365.25 / 90,  # frequencies of newcomers are measured over at least 90 days
    "bookings_30d": 1,
    "days_to_usual_season": 0.0,  # a winter booking, in winter
}


@pytest.mark.parametrize(
    ("customer", "expected"), [(1, CUSTOMER_1), (2, CUSTOMER_2), (4, CUSTOMER_4)], ids=["regular", "once", "new"]
)
def test_features_exact_values_on_hand_made_history(
    hand_features: pd.DataFrame, customer: int, expected: dict[str, float]
) -> None:
    # given a hand-made history (fixture) whose ages at the cutoff are whole or half days
    # when the features are built as of 2026-03-01 (Dhaka)
    row = hand_features.loc[customer]

    # then every listed feature has the value worked out by hand
    mismatches = {
        name: (row[name], value) for name, value in expected.items() if row[name] != pytest.approx(value, abs=1e-9)
    }
    assert mismatches == {}


def test_features_covers_exactly_the_customers_with_a_booking_before_the_cutoff(hand_features: pd.DataFrame) -> None:
    # given customer 3, whose bookings are at or after the cutoff (and who complained before it)
    # then only customers 1, 2 and 4 have rows
    assert hand_features.index.tolist() == [1, 2, 4]
    assert hand_features.index.name == "customer_id"


def test_features_columns_dtypes_and_no_missing_values(hand_features: pd.DataFrame) -> None:
    # then the frame is FEATURES in order, all float, all present
    assert tuple(hand_features.columns) == FEATURES
    assert (hand_features.dtypes == np.float64).all()
    assert not hand_features.isna().any().any()


@pytest.mark.parametrize(
    ("booked_dhaka", "expected_days"),
    [
        ("2026-02-28 18:00", 0.25),
        ("2026-02-28 23:59:59", 1 / 86_400),
        ("2026-03-01 00:00", None),  # midnight in Dhaka starts as_of: not known yet (although still Feb 28 in UTC)
        ("2026-03-01 05:59", None),  # before midnight UTC, after midnight in Dhaka
        ("2026-02-28 05:59", 18 / 24 + 1 / 1440),  # the previous day in UTC as well
    ],
)
def test_days_since_last_booking_counts_from_midnight_in_dhaka(booked_dhaka: str, expected_days: float | None) -> None:
    # given a single booking
    history = make_history([booking(1, booked_dhaka)])

    # when
    features = build_features(history, AS_OF_HAND)

    # then
    if expected_days is None:
        assert features.empty
    else:
        assert features.loc[1, "days_since_last_booking"] == pytest.approx(expected_days, abs=1e-9)


def test_cutoff_is_midnight_in_dhaka_as_utc() -> None:
    assert cutoff_of(dt.date(2026, 3, 1)) == pd.Timestamp("2026-02-28 18:00", tz="UTC")


@pytest.mark.parametrize(
    ("as_of", "days_to", "upcoming"),
    [
        (dt.date(2026, 3, 1), 122, 0.0),
        (dt.date(2026, 5, 1), 61, 0.0),
        (dt.date(2026, 5, 2), 60, 1.0),  # 60 days out still counts as upcoming
        (dt.date(2026, 6, 30), 1, 1.0),
        (dt.date(2026, 7, 1), 0, 1.0),  # the season has started
        (dt.date(2026, 9, 30), 0, 1.0),
        (dt.date(2026, 10, 1), 273, 0.0),  # next year's monsoon
    ],
)
def test_days_to_usual_season(as_of: dt.date, days_to: int, upcoming: float) -> None:
    # given a customer whose bookings are mostly in the monsoon (July-September)
    history = make_history(
        [booking(1, "2025-07-10 12:00"), booking(1, "2025-08-10 12:00"), booking(1, "2025-12-10 12:00")]
    )

    # when
    row = build_features(history, as_of).loc[1]

    # then
    assert (row["days_to_usual_season"], row["usual_season_upcoming"]) == (days_to, upcoming)
    assert (row["share_monsoon"], row["share_winter"]) == pytest.approx((2 / 3, 1 / 3))


def test_customer_with_only_cancelled_bookings_gets_sentinels() -> None:
    # given a customer who only ever cancelled
    history = make_history([booking(1, "2026-01-10 12:00", status="cancelled")])

    # when
    row = build_features(history, AS_OF_HAND).loc[1]
    assert isinstance(row, pd.Series)  # one customer, one row

    # then recency is known, everything about completed bookings is empty or -1
    assert row["days_since_last_booking"] == pytest.approx(49.5)
    assert row[["bookings_total", "spend_total", "service_diversity", "active_months_365d"]].tolist() == [0, 0, 0, 0]
    assert row[["btyd_recency_days", "btyd_age_days", "gap_mean_days", "days_to_usual_season"]].tolist() == [-1] * 4
    assert (row["cancel_share"], row["unrated_share"], row["usual_season_upcoming"]) == (1.0, 1.0, 0.0)


def test_build_features_on_an_empty_population() -> None:
    # given only bookings after the cutoff
    history = make_history([booking(1, "2026-05-01 12:00")])

    # when
    features = build_features(history, AS_OF_HAND)

    # then an empty frame with the right columns
    assert features.empty
    assert tuple(features.columns) == FEATURES


def test_history_rejects_frames_without_their_columns(hand_history: History) -> None:
    with pytest.raises(ValueError, match=r"bookings frame lacks columns \['category'\]"):
        History(
            customers=hand_history.customers,
            bookings=hand_history.bookings.drop(columns="category"),
            complaints=hand_history.complaints,
            searches=hand_history.searches,
        )


# --- which features carry information ---------------------------------------------------------------------------


def test_informative_features_keep_what_varies_in_the_order_given() -> None:
    # given 200 rows: one column constant, one with 1 row off (0.5%), one with 2 (1%), one all NaN, one boolean
    frame = pd.DataFrame(
        {
            "discount_share": 0.0,
            "premium_share": np.where(np.arange(200) < 1, 0.4, 0.0),
            "service_diversity": np.where(np.arange(200) < 2, 3.0, 1.0),
            "rating_avg": np.nan,
            "verified": np.arange(200) % 2 == 0,
            "spend_avg": np.arange(200) * 10.0,
        }
    )
    candidates = ["spend_avg", "rating_avg", "service_diversity", "premium_share", "discount_share", "verified"]

    # when
    kept = informative_features(frame, candidates)
    left_out = uninformative_features(frame, candidates)

    # then
    assert kept == ["spend_avg", "service_diversity", "verified"]
    assert left_out == {
        "rating_avg": "constant: missing in every row",
        "premium_share": "nearly constant: 0 in all but 1 of 200 rows",
        "discount_share": "constant: 0 in every row",
    }


@pytest.mark.parametrize(
    ("differ", "rows", "min_share", "informative"),
    [
        (1, 100, 0.01, True),  # exactly 1% differ
        (1, 101, 0.01, False),  # just under 1%
        (0, 100, 0.0, False),  # zero variance is never informative
        (1, 101, 0.0, True),  # with min_share=0 any variation counts
        (30, 1000, 0.05, False),
    ],
)
def test_informative_features_threshold(differ: int, rows: int, min_share: float, informative: bool) -> None:
    # given a column where `differ` of `rows` rows are not 0
    frame = pd.DataFrame({"discount_share": np.where(np.arange(rows) < differ, 0.5, 0.0)})

    # when
    kept = informative_features(frame, ["discount_share"], min_share=min_share)

    # then
    assert kept == (["discount_share"] if informative else [])


def test_uninformative_features_of_an_empty_frame() -> None:
    assert uninformative_features(pd.DataFrame({"spend_avg": []}), ["spend_avg"]) == {"spend_avg": "no rows"}


def test_informative_features_reject_unknown_columns_and_bad_shares() -> None:
    frame = pd.DataFrame({"spend_avg": [1.0, 2.0]})
    with pytest.raises(ValueError, match=r"frame lacks candidate column\(s\) \['discount_share'\]"):
        informative_features(frame, ["spend_avg", "discount_share"])
    with pytest.raises(ValueError, match=r"min_share must be within \[0, 1\), got 1.0"):
        informative_features(frame, ["spend_avg"], min_share=1.0)


# --- the simulated marketplace ---------------------------------------------------------------------------------

LEAKAGE_DAYS = [dt.date(2024, 6, 15), dt.date(2025, 3, 1), dt.date(2025, 11, 6), dt.date(2026, 8, 3)]


def with_future_events(history: History, day: dt.date, seed: int) -> History:
    """`history` before `day`, plus invented bookings, complaints and searches at and after its cutoff for a random
    half of all customers (some of them with no earlier booking at all)."""
    rng = np.random.default_rng(seed)
    known = history_before(history, day)
    cutoff = cutoff_of(day)
    ids = history.customers["customer_id"].to_numpy()
    chosen = rng.choice(ids, size=len(ids) // 2, replace=False)
    # Offsets in seconds after the cutoff; the first customers get an event exactly at the cutoff instant.
    offsets = rng.integers(0, 400 * 86_400, size=len(chosen))
    offsets[:50] = 0
    when = cutoff + pd.to_timedelta(offsets, unit="s")
    template = history.bookings.sample(len(chosen), replace=True, random_state=seed).reset_index(drop=True)
    extra_bookings = template.assign(customer_id=chosen, booked_at=when, status="completed")
    return History(
        customers=history.customers,
        bookings=pd.concat([known.bookings, extra_bookings], ignore_index=True),
        complaints=pd.concat(
            [known.complaints, pd.DataFrame({"customer_id": chosen, "created_at": when})], ignore_index=True
        ),
        searches=pd.concat(
            [known.searches, pd.DataFrame({"customer_id": chosen, "searched_at": when})], ignore_index=True
        ),
    )


@pytest.mark.parametrize("day", LEAKAGE_DAYS, ids=str)
def test_features_ignore_everything_from_the_cutoff_on(sim_history: History, day: dt.date) -> None:
    # given the full simulated history, the same with every later event removed, and with invented later events
    full = build_features(sim_history, day)

    # when
    truncated = build_features(history_before(sim_history, day), day)
    invented = build_features(with_future_events(sim_history, day, seed=day.toordinal()), day)

    # then the features are identical, bit for bit
    assert len(full) > 300
    pd.testing.assert_frame_equal(truncated, full, check_exact=True)
    pd.testing.assert_frame_equal(invented, full, check_exact=True)


@pytest.mark.parametrize("day", [*LEAKAGE_DAYS, AS_OF], ids=str)
def test_simulated_features_are_complete_floats(sim_history: History, day: dt.date) -> None:
    # when
    features = build_features(sim_history, day)

    # then
    assert tuple(features.columns) == FEATURES
    assert (features.dtypes == np.float64).all()
    assert not features.isna().any().any()
    assert np.isfinite(features.to_numpy()).all()
    assert (features["days_since_last_booking"] >= 0).all()
    assert (features["tenure_days"] >= features["days_since_first_booking"]).all()
    assert (features["bookings_30d"] <= features["bookings_90d"]).all()
    assert (features["bookings_365d"] <= features["bookings_total"]).all()
    assert (features["active_months_365d"] <= 12).all()
    seasons = features[["share_summer", "share_monsoon", "share_autumn", "share_winter"]].sum(axis=1)
    assert np.allclose(seasons[features["bookings_total"] > 0], 1.0)


def test_features_for_a_subset_of_customers_equal_their_rows_in_the_whole(sim_history: History) -> None:
    # given the features of everybody and a chunk of customer ids (as scoring runs in chunks)
    everybody = build_features(sim_history, AS_OF)
    chunk = pd.Index(range(1000, 2001), name="customer_id")

    # when
    part = build_features(sim_history, AS_OF, customer_ids=chunk)

    # then
    pd.testing.assert_frame_equal(part, everybody.loc[everybody.index.isin(chunk)], check_exact=True)
