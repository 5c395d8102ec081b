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

from customers.synthetic.transactions import transaction_history, transactions_simulate
from mlcore.churn import ChurnModel, baseline_scores, churn_labels, churn_train
from mlcore.features import History, build_features
from mlcore.ltv import LtvConfig, LtvModel, ltv_train, spend_between

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
    figures = {"total_ratio": float(predicted["ltv"].sum() / actual.sum()), "coverage": float(np.mean(inside))}
    print(f"\nvalue out of time: served ({ltv_served.serving.served}) {figures}")
    return figures


# Known gaps (issue #9). The level: on this world the holdout (May to August, with Eid-ul-Adha) is a busier season
# than the 90 days that follow (August to November), and the booster learns its level from the busier windows. The
# served total came out at 1.5-1.7x the actual on 15 and 18 months (BG/NBD x Gamma-Gamma 1.03-1.13x). With the world's
# seasons switched off (flat monthly demand, no Eid lift) it is 1.00x and 1.06x, so the season is the cause, not the
# customers' age. The interval: out of time it covers 91-95% (83% on the holdout), even without seasons. Its lower
# fifths are [Tk 0, mean] and cover 99%, which is the share of them who spend nothing once the cohort has aged (see
# docs/MODELS.md, Limits).
# Strict: when a change fixes either, its test fails until the mark is removed.
@pytest.mark.xfail(strict=True, reason="the value level drifts with the season out of time (issue #9)")
def test_the_served_value_forecast_is_right_in_total_for_the_following_window(
    value_out_of_time: dict[str, float],
) -> None:
    assert value_out_of_time["total_ratio"] == pytest.approx(1.0, abs=0.10)


@pytest.mark.xfail(strict=True, reason="the interval over-covers out of time (issue #9)")
def test_the_served_80_percent_interval_covers_75_to_85_percent_of_the_following_window(
    value_out_of_time: dict[str, float],
) -> None:
    assert 0.75 <= value_out_of_time["coverage"] <= 0.85
