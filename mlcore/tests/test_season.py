"""The value level moved to the scoring window's season, read from the same windows a year earlier."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from customers.synthetic.transactions import TransactionLog, transaction_history
from mlcore.features import History, build_features
from mlcore.ltv import LtvConfig, ltv_train, season_factor, spend_between

START = dt.date(2023, 12, 1)
END = dt.date(2026, 11, 30)
PEAK_MONTHS = (6, 7, 8)  # each summer, customers buy twice as often


def steady_buyers(*, peak: float, seed: int = 0, n: int = 3_000) -> History:
    """Customers who join over the first half year and then buy at a steady rate for good (no dropout, no ageing),
    `peak` times as often in June to August: the only thing that changes between two windows is the season."""
    rng = np.random.default_rng(seed)
    days = (END - START).days + 1
    dates = pd.date_range(START, periods=days, freq="D")
    demand = np.where(dates.month.isin(PEAK_MONTHS), peak, 1.0)
    joined = rng.integers(0, 180, n)
    rate = rng.gamma(2.0, 1 / 60, n)  # purchases a day, a mean of one a month
    rows = []
    for customer in range(n):
        alive = np.arange(joined[customer], days)
        bought = alive[rng.uniform(size=len(alive)) < rate[customer] * demand[alive]]
        rows += [(customer, day) for day in np.concatenate([[joined[customer]], bought[bought > joined[customer]]])]
    customer_ids, day = np.array(rows).T
    ids = np.array([f"S{i:05d}" for i in range(n)], dtype=object)
    at = pd.to_datetime(START) + pd.to_timedelta(day, unit="D") + pd.Timedelta(hours=6)
    booked = pd.Series(at.tz_localize("UTC"))
    log = TransactionLog(
        customers=pd.DataFrame(
            {"external_id": ids, "joined_at": pd.to_datetime(START) + pd.to_timedelta(joined, unit="D")}
        ).assign(joined_at=lambda frame: frame["joined_at"].dt.tz_localize("UTC") + pd.Timedelta(hours=6)),
        bookings=pd.DataFrame(
            {
                "customer_external_id": ids[customer_ids],
                "booked_at": booked,
                "amount": rng.lognormal(np.log(2000), 0.5, len(day)),
            }
        ).sort_values("booked_at", ignore_index=True),
        start_date=START,
        end_date=END,
    )
    return transaction_history(log)


EARLIEST = START + dt.timedelta(days=30)


@pytest.mark.parametrize(("peak", "expected"), [(2.0, 2.0), (1.0, 1.0), (0.5, 0.5)])
def test_a_summer_after_a_spring_is_busier_by_what_last_summer_was(peak: float, expected: float) -> None:
    history = steady_buyers(peak=peak)

    # when: a level learned on the 90 days from March 3, applied to the 90 days from June 1
    found = season_factor(history, dt.date(2026, 3, 3), dt.date(2026, 6, 1), 90, EARLIEST, LtvConfig())

    # then: the same windows of 2025 say by how much (June to August nearly all peak, March to May none)
    assert found.factor == pytest.approx(expected, rel=0.15)
    assert "for the season" in found.note


def test_without_a_year_before_the_level_is_not_moved() -> None:
    history = steady_buyers(peak=2.0)

    found = season_factor(history, dt.date(2024, 9, 1), dt.date(2024, 12, 1), 90, EARLIEST, LtvConfig())

    assert found.factor == 1.0
    assert "does not reach back" in found.note


@pytest.mark.parametrize("scored_on", [dt.date(2026, 6, 1), dt.date(2026, 9, 1)])
def test_the_served_total_follows_the_season_into_the_next_window(scored_on: dt.date) -> None:
    # given steady buyers twice as busy each summer, scored as a summer starts and as it ends
    history = steady_buyers(peak=2.0)

    # when
    model, report = ltv_train(history, scored_on, LtvConfig(horizon_days=90))
    features = build_features(history, scored_on)
    total = model.predict(features)["ltv"].sum() / spend_between(history, scored_on, 90, features.index).sum()

    # then the level learned on the holdout (the quiet spring, or the busy summer) is moved to the window that
    # follows. Before, the totals were 0.53× (our model) and 1.30× (Pareto/NBD × Gamma-Gamma, served because ours
    # was worse); now 1.08× and 1.03×
    assert report.decision["season"].startswith("× ")
    assert total == pytest.approx(1.0, abs=0.15)
