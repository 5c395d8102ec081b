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


@pytest.mark.django_db
def test_model_performance_page_says_how_the_value_level_was_made(admin_client):
    # given a value model whose level was hedged for a season the history had not seen
    performance = ModelPerformanceFactory(
        model_kind="ltv",
        metrics={
            "served": "model",
            "decision": {
                "reason": "ours is served",
                "season": "not adjusted for the season: the history does not reach back to 2025-05-05",
                "hedge": "× 0.91: the geometric mean of our total (Tk 120) and BG/NBD × Gamma-Gamma's (Tk 100)",
            },
        },
    )

    # when
    page = admin_client.get(
        reverse("admin:predictions_modelperformance_change", args=[performance.pk])
    ).content.decode()

    # then
    assert "ours is served. Level: not adjusted for the season: the history does not reach back to 2025-05-05. " in page
    assert "Level: × 0.91: the geometric mean of our total (Tk 120)" in page
