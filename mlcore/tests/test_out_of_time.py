"""The served models checked on what happened next, on the transaction world (one cohort, id, date and amount).

The training report measures every candidate on its holdout; these tests train as of a day whose following 90 days
are in the data and compare what is served with what customers then did. They are where the drift between the
training windows and the scoring day shows: the holdout cannot see it, because it lies in another season.
"""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from customers.synthetic.transactions import TransactionLog, transaction_history, transactions_simulate
from mlcore.churn import ChurnModel, baseline_scores, churn_labels, churn_train
from mlcore.features import History, build_features
from mlcore.ltv import LtvConfig, LtvModel, classical_spend, ltv_train, spend_between

pytestmark = pytest.mark.slow

END = dt.date(2026, 10, 31)
SCORED_ON = END + dt.timedelta(days=1) - dt.timedelta(days=90)  # its following 90 days are the last of the log


@pytest.fixture(scope="module")
def log_15_months() -> History:
    return transaction_history(transactions_simulate(n_customers=10_000, months=15, seed=3, end_date=END))


@pytest.fixture(scope="module")
def scored(log_15_months: History) -> pd.DataFrame:
    return build_features(log_15_months, SCORED_ON)


@pytest.fixture(scope="module")
def churn_served(log_15_months: History) -> ChurnModel:
    return churn_train(log_15_months, SCORED_ON)[0]


@pytest.fixture(scope="module")
def ltv_served(log_15_months: History) -> LtvModel:
    return ltv_train(log_15_months, SCORED_ON, LtvConfig(horizon_days=90))[0]


def test_the_served_churn_model_ranks_the_following_window_at_least_as_well_as_every_classical_model(
    log_15_months: History, scored: pd.DataFrame, churn_served: ChurnModel
) -> None:
    # given who made no completed booking in the 90 days after the scoring day
    churned = churn_labels(log_15_months, SCORED_ON, 90, scored.index).to_numpy()
    matrix = churn_served.matrix(scored)

    # when
    served = roc_auc_score(churned, churn_served.predict_proba(scored))
    baselines = {
        name: roc_auc_score(churned, baseline_scores(name, matrix, churn_served.recency, churn_served.patterns, 90))
        for name in ("recency", "bg_nbd", "pareto_nbd")
    }
    print(f"\nchurn out of time: served ({churn_served.serving.served}) {served:.4f}, baselines {baselines}")

    # then
    assert served >= max(baselines.values())


@pytest.fixture(scope="module")
def value_out_of_time(log_15_months: History, scored: pd.DataFrame, ltv_served: LtvModel) -> dict[str, float]:
    predicted = ltv_served.predict(scored)
    actual = spend_between(log_15_months, SCORED_ON, 90, scored.index).to_numpy()
    inside = (actual >= predicted["ltv_low"].to_numpy()) & (actual <= predicted["ltv_high"].to_numpy())
    figures = {"coverage": float(np.mean(inside)), "spend_nothing": float(np.mean(actual == 0))}
    print(f"\nvalue out of time: served ({ltv_served.serving.served}) {figures}")
    return figures


# Out of time the cohort is older than any the holdout saw, and 92% of it spends nothing in the 90 days. An honest
# interval for a customer who will spend nothing with 97% probability contains Tk 0, so no interval can cover only
# 80% of such a population; what it can do is cover no more than those zeros force (its lower fifths are [Tk 0, the
# mean] and cover exactly their customers who spend nothing), and not less than 75%. Measured: 93.4% covered, 91.7%
# spend nothing; by fifth of predicted spend 99/99/99/94/78% covered against 99/99/99/93/69% spending nothing.
def test_out_of_time_the_80_percent_interval_over_covers_only_by_the_customers_who_spend_nothing(
    value_out_of_time: dict[str, float],
) -> None:
    assert value_out_of_time["coverage"] >= 0.75
    assert value_out_of_time["coverage"] <= value_out_of_time["spend_nothing"] + 0.05


# The age drift alone: the same world without its seasons, whose 90 days after the scoring day differ from the
# training windows only in that every customer is older (a 12-month log: 9 months before the scoring day). A single
# seed's 90-day total of 10,000 customers' heavy-tailed spend varies by ±15% by itself, so the level is judged on the
# mean of five (bench_quality.py --seeds prints them).
AGEING_SEEDS = range(1, 6)


def value_totals(logs: list[TransactionLog]) -> dict[str, list[float]]:
    """Predicted ÷ actual total of each log's last 90 days, trained and scored as of their first day: served and the
    classical forecasts."""
    totals: dict[str, list[float]] = {"served": [], "bg_nbd": [], "pareto_nbd": []}
    for log in logs:
        history = transaction_history(log)
        day = log.end_date + dt.timedelta(days=1) - dt.timedelta(days=90)
        features = build_features(history, day)
        model, _ = ltv_train(history, day, LtvConfig(horizon_days=90))
        actual = spend_between(history, day, 90, features.index).to_numpy().sum()
        totals["served"].append(float(model.predict(features)["ltv"].sum() / actual))
        assert model.gamma_gamma is not None
        for curve in ("bg_nbd", "pareto_nbd"):
            forecast = classical_spend(features, model.patterns, curve, model.gamma_gamma, 90)
            totals[curve].append(float(forecast.sum() / actual))
    return totals


@pytest.fixture(scope="module")
def totals_without_seasons() -> dict[str, list[float]]:
    totals = value_totals(
        [
            transactions_simulate(n_customers=10_000, months=12, seed=seed, end_date=END, seasons=False)
            for seed in AGEING_SEEDS
        ]
    )
    print(f"\nvalue total out of time without seasons: {totals}")
    return totals


def test_customers_older_than_at_any_training_cutoff_are_forecast_right_in_total_on_average(
    totals_without_seasons: dict[str, list[float]],
) -> None:
    served = float(np.mean(totals_without_seasons["served"]))

    assert served == pytest.approx(1.0, abs=0.10)
    for curve in ("bg_nbd", "pareto_nbd"):
        assert abs(served - 1) <= abs(float(np.mean(totals_without_seasons[curve])) - 1)


# The season seen once: a 12-month log (the cohort's first year), trained and scored 90 days before its end, on days
# spread over the year, each against the 90 days that followed. The holdout's season says nothing about the next
# window's, so the served level is hedged with the classical one (mlcore.ltv.level_hedge); over the year its total
# must be off by less than any classical model's, which take their level from the whole history. Measured (mean |log|
# of predicted ÷ actual): served 0.11 (without the hedge 0.14), BG/NBD x GG 0.22, Pareto/NBD x GG 0.26. Over eight
# days and four seeds the unhedged level was off by more than BG/NBD x GG's (0.23 against 0.20); bench_quality.py
# --seeds measures that.
SEASON_ENDS = (dt.date(2026, 1, 31), dt.date(2026, 4, 30), dt.date(2026, 7, 31), dt.date(2026, 10, 31))


@pytest.fixture(scope="module")
def totals_over_the_year() -> dict[str, list[float]]:
    totals = value_totals(
        [
            transactions_simulate(n_customers=10_000, months=12, seed=seed, end_date=end)
            for end in SEASON_ENDS
            for seed in (1, 2)
        ]
    )
    print(f"\nvalue total out of time over the year: {totals}")
    return totals


def test_over_a_year_of_scoring_days_the_served_total_is_closer_than_every_classical_models(
    totals_over_the_year: dict[str, list[float]],
) -> None:
    def error(ratios: list[float]) -> float:
        return float(np.mean(np.abs(np.log(ratios))))

    served = error(totals_over_the_year["served"])

    for curve in ("bg_nbd", "pareto_nbd"):
        assert served < error(totals_over_the_year[curve])
