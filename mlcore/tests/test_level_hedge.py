"""The value level hedged with the classical one where the history has not seen the scoring window's season."""

import datetime as dt
import re

import pytest

from customers.synthetic.transactions import transaction_history, transactions_simulate
from mlcore.features import build_features
from mlcore.ltv import LtvConfig, level_hedge, ltv_train
from mlcore.tests.test_season import steady_buyers


def test_the_hedged_total_is_the_geometric_mean_of_ours_and_the_classical_one() -> None:
    hedge = level_hedge(200_000.0, 50_000.0, 90, "BG/NBD × Gamma-Gamma")

    assert 200_000.0 * hedge.factor == pytest.approx((200_000.0 * 50_000.0) ** 0.5)
    assert hedge.note.startswith(
        "× 0.50: the geometric mean of our total over 90 days (Tk 200,000) and BG/NBD × Gamma-Gamma's"
    )


@pytest.mark.parametrize(("ours", "classical"), [(0.0, 50_000.0), (200_000.0, 0.0)])
def test_a_level_of_zero_is_not_hedged(ours: float, classical: float) -> None:
    hedge = level_hedge(ours, classical, 90)

    assert hedge.factor == 1.0
    assert hedge.note == "not hedged: a level of Tk 0"


def test_a_first_year_log_served_by_our_model_is_hedged() -> None:
    # given the cohort's first year, scored at the end of July (the holdout: May to July)
    end = dt.date(2026, 7, 31)
    history = transaction_history(transactions_simulate(n_customers=10_000, months=12, seed=1, end_date=end))

    day = end + dt.timedelta(days=1) - dt.timedelta(days=90)

    # when
    model, report = ltv_train(history, day, LtvConfig(horizon_days=90))

    # then
    assert report.decision["served"] == "model"
    assert report.decision["season"].startswith("not adjusted for the season: the history does not reach back")
    assert report.decision["hedge"].startswith("× ")
    assert "the geometric mean of our total" in report.decision["hedge"]
    # and what is served on the scoring day totals the geometric mean of the two totals the report names
    ours, classical = (float(tk.replace(",", "")) for tk in re.findall(r"Tk ([\d,]+)", report.decision["hedge"]))
    served = model.predict(build_features(history, day))["ltv"].sum()
    assert served == pytest.approx((ours * classical) ** 0.5, rel=1e-3)


def test_a_history_with_the_year_before_is_moved_by_the_season_and_not_hedged() -> None:
    history = steady_buyers(peak=2.0)

    _, report = ltv_train(history, dt.date(2026, 9, 1), LtvConfig(horizon_days=90))

    assert report.decision["season"].startswith("× ")
    assert report.decision["hedge"] == "not hedged: the season is measured"
