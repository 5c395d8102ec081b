import pytest
from django.urls import reverse

from predictions.tests.factories import ModelPerformanceFactory


@pytest.mark.django_db
def test_model_performance_list_shows_the_model_beside_its_baselines(admin_client):
    # given
    ModelPerformanceFactory(
        model_kind="churn",
        metrics={
            "model": {"auc_roc": 0.9741, "brier": 0.0541},
            "baselines": {"recency": {"auc_roc": 0.9527}, "bg_nbd": {"auc_roc": 0.9633}},
        },
    )
    ModelPerformanceFactory(
        model_kind="ltv",
        metrics={"model": {"mae": 12179.4, "coverage": 0.826}, "baselines": {"bg_nbd_gamma_gamma": {"mae": 13328.2}}},
    )

    # when
    page = admin_client.get(reverse("admin:predictions_modelperformance_changelist")).content.decode()

    # then
    assert "AUC 0.974 (recency 0.953, BG/NBD 0.963), Brier 0.054" in page
    assert "MAE Tk 12,179 (BG/NBD+GG Tk 13,328), 80% interval covers 83%" in page
