"""The churn model's holdout, checked against the generated marketplace it was trained on."""

import datetime as dt

import pytest

from customers.models import Customer
from mlcore.features import cutoff_of
from predictions.models import ModelKind, ModelPerformance
from predictions.tests.conftest import AS_OF

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("marketplace")]


def test_churn_performance_holds_the_model_and_every_baseline_on_the_same_holdout(active_models):
    # given
    holdout_cutoff = AS_OF - dt.timedelta(days=90)

    # when
    row = ModelPerformance.objects.get(model_kind=ModelKind.CHURN)

    # then
    assert row.model_version == active_models.versions["churn"]
    assert row.metrics["holdout_cutoff"] == holdout_cutoff.isoformat() == "2026-08-03"
    assert row.metrics["window_days"] == 90
    holdout_customers = (
        Customer.objects.filter(bookings__booked_at__lt=cutoff_of(holdout_cutoff).to_pydatetime()).distinct().count()
    )
    assert row.n_holdout == holdout_customers
    assert row.n_train > row.n_holdout
    model, baselines = row.metrics["model"], row.metrics["baselines"]
    assert set(baselines) == {"recency", "bg_nbd", "pareto_nbd"}
    metric_names = {"auc_roc", "pr_auc", "accuracy", "precision", "recall", "f1", "brier"}
    for metrics in (model, *baselines.values()):
        assert metric_names <= set(metrics)
        assert metrics["n"] == row.n_holdout
    assert 0 < row.metrics["class_balance"]["holdout_churn_rate"] < 1
    assert 0 < row.metrics["class_balance"]["train_churn_rate"] < 1


def test_the_churn_model_beats_both_baselines_out_of_time(active_models):
    # given
    metrics = ModelPerformance.objects.get(model_kind=ModelKind.CHURN).metrics

    # when
    auc = metrics["model"]["auc_roc"]

    # then
    assert auc > metrics["baselines"]["recency"]["auc_roc"]
    assert auc > metrics["baselines"]["bg_nbd"]["auc_roc"]
    assert metrics["model"]["brier"] < metrics["baselines"]["recency"]["brier"]
