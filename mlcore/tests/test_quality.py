"""Model quality over time: a run's figures as its performance row holds them, and calibration by decile."""

import datetime as dt

import numpy as np
import pytest

from mlcore.metrics import calibration_by_decile
from mlcore.quality import Calibration, run_quality

METRICS = {
    "served": "blend",
    "fallback": False,
    "served_metrics": {"auc_roc": 0.82, "precision": 0.7, "recall": 0.6, "brier": 0.15, "log_loss": 0.4},
    "model": {"auc_roc": 0.8, "precision": 0.69, "recall": 0.58, "brier": 0.16},
    "baselines": {"recency": {"auc_roc": 0.7, "precision": 0.5, "recall": 0.9, "brier": 0.2}, "bg_nbd": {}},
    "calibration": {"predicted": [0.1, 0.5, 0.9], "actual": [0.2, 0.45, 0.9], "n": [10.0, 10.0, 10.0]},
}


def test_a_run_reads_the_served_figures_the_baselines_and_the_calibration() -> None:
    # when
    run = run_quality(version="churn-1", as_of=dt.date(2025, 3, 1), active=True, n_holdout=30, metrics=METRICS)

    # then
    assert run.served == "blend"
    assert run.served_metrics == {"auc_roc": 0.82, "precision": 0.7, "recall": 0.6, "brier": 0.15}
    assert run.baselines == {"bg_nbd": {}, "recency": {"auc_roc": 0.7, "precision": 0.5, "recall": 0.9, "brier": 0.2}}
    assert run.calibration == Calibration(
        predicted=[0.1, 0.5, 0.9], actual=[0.2, 0.45, 0.9], n=[10, 10, 10], largest_gap=0.1
    )
    assert run.band == "good"


@pytest.mark.parametrize(("auc", "band"), [(0.8, "good"), (0.79, "fair"), (0.7, "fair"), (0.69, "poor")])
def test_the_band_follows_the_served_auc(auc: float, band: str) -> None:
    metrics = {**METRICS, "served_metrics": {"auc_roc": auc}}

    assert run_quality(version="v", as_of=dt.date(2025, 3, 1), active=False, n_holdout=1, metrics=metrics).band == band


def test_a_fallback_run_has_nothing_measured() -> None:
    run = run_quality(
        version="v", as_of=dt.date(2025, 3, 1), active=True, n_holdout=0, metrics={"served": "bg_nbd", "fallback": True}
    )

    assert (run.fallback, run.served, run.served_metrics, run.band) == (True, "bg_nbd", {}, "")
    assert run.calibration == Calibration([], [], [], None)


def test_calibration_by_decile_averages_each_tenth_of_the_rows_ranked_by_prediction() -> None:
    # given: 20 rows, predictions 0.05 … 1.0 in a shuffled order; the top tenth churned, one row of the lowest too
    predicted = np.array([0.05 * k for k in range(1, 21)])
    actual = np.zeros(20)
    actual[[0, 18, 19]] = 1
    order = np.random.default_rng(0).permutation(20)

    # when
    deciles = calibration_by_decile(actual[order], predicted[order])

    # then
    assert deciles["n"] == [2.0] * 10
    assert deciles["predicted"] == pytest.approx([0.075 + 0.1 * k for k in range(10)])
    assert deciles["actual"] == [0.5, 0, 0, 0, 0, 0, 0, 0, 0, 1.0]
    assert calibration_by_decile(np.array([1.0, 0.0, 1.0]), np.array([0.2, 0.1, 0.9]))["n"] == [1.0, 1.0, 1.0]
