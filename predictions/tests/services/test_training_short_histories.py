"""models_train on the history a business brings: a plain transaction log of nine or twelve months, one year of the
marketplace, a churn window the history cannot validate (a classical model is served), and too little of anything."""

import datetime as dt

import pytest
from django.core.management import call_command

from predictions.models import ModelKind, ModelPerformance, ModelVersion, Prediction
from predictions.services.scoring import customers_score
from predictions.services.training import ModelTrainingError, models_train

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

END = dt.date(2026, 10, 31)
AS_OF = END + dt.timedelta(days=1)


@pytest.fixture
def artifacts(settings, tmp_path):
    settings.MODEL_ARTIFACTS_DIR = tmp_path / "models"
    return settings.MODEL_ARTIFACTS_DIR


def transaction_log(months: int, customers: int = 3000) -> None:
    call_command(
        "generate_data",
        profile="transactions",
        months=months,
        customers=customers,
        seed=11,
        end_date=END,
        verbosity=0,
    )


def performance(kind: str) -> dict:
    return ModelPerformance.objects.get(model_kind=kind).metrics


@pytest.mark.parametrize(("months", "observed_days"), [(9, 120), (12, 150)])
def test_a_transaction_log_of_nine_or_twelve_months_trains_and_serves_nothing_worse_than_a_baseline(
    artifacts, months: int, observed_days: int
) -> None:
    # given customer, date and amount only, for one cohort
    transaction_log(months)

    # when
    result = models_train(as_of=AS_OF)

    # then all three models are active, validated out of time on the history there is
    assert set(ModelVersion.objects.filter(is_active=True).values_list("kind", flat=True)) == set(ModelKind.values)
    churn, ltv = performance(ModelKind.CHURN), performance(ModelKind.LTV)
    assert not churn["fallback"]
    assert not ltv["fallback"]
    assert ltv["observed_days"] == observed_days
    assert ltv["extension"]["extended"] is True
    # and it says what the holdout cannot check on less than two years: the season that scoring falls in
    assert len(ltv["warnings"]) == 1
    assert "under two years: the level of the forecast was checked on one season only" in ltv["warnings"][0]
    # and what is served is never worse than the best classical model on the holdout, saying why
    served, best = churn["served_metrics"], churn["baselines"][churn["decision"]["best_baseline"]]
    assert served["auc_roc"] >= best["auc_roc"]
    assert served["brier"] <= best["brier"]
    assert set(churn["baselines"]) == {"recency", "bg_nbd", "pareto_nbd"}
    value = ltv["served_metrics"]
    assert all(value["rmse"] <= baseline["rmse"] for baseline in ltv["baselines"].values() if "rmse" in baseline)
    assert abs(value["total_ratio"] - 1) <= 0.10
    assert 0.75 <= value["coverage"] <= 0.85
    assert churn["decision"]["reason"]
    assert result.metrics["ltv"]["served"] == ltv["served"]
    # and features the log cannot show were left out of the models
    assert {"discount_share", "premium_share", "rating_avg", "complaints_total"} <= set(churn["features_left_out"])


@pytest.mark.parametrize("years", [1, 2])
def test_one_or_two_years_of_the_marketplace_train_with_the_default_settings(artifacts, years: int) -> None:
    # given
    call_command("generate_data", customers=2000, years=years, seed=5, end_date=END, verbosity=0)

    # when
    models_train(as_of=AS_OF)

    # then
    assert ModelVersion.objects.filter(is_active=True).count() == 3
    assert not performance(ModelKind.CHURN)["fallback"]
    assert not performance(ModelKind.LTV)["fallback"]


def test_a_churn_window_the_history_cannot_validate_falls_back_to_a_classical_model_that_scores(artifacts) -> None:
    # given twelve months of transactions and a 180-day churn window: validating it needs 374 days
    transaction_log(12)

    # when
    models_train(as_of=AS_OF, churn_window_days=180)

    # then churn serves a classical model, named as such, while lifetime value trains as usual
    churn = performance(ModelKind.CHURN)
    assert churn["fallback"] is True
    assert churn["served"] == "pareto_nbd"
    assert "is too short to validate a 180-day churn model" in churn["decision"]["reason"]
    assert "Pareto/NBD is served instead" in churn["decision"]["reason"]
    version = ModelVersion.objects.get(kind=ModelKind.CHURN, is_active=True)
    assert version.metadata["served"] == "pareto_nbd"
    assert not performance(ModelKind.LTV)["fallback"]
    # and scoring works with it: every customer gets a probability and reasons from the three inputs it reads
    customers_score(as_of=AS_OF)
    predictions = Prediction.objects.filter(as_of=AS_OF)
    assert predictions.exists()
    cited = {reason["feature"] for row in predictions.values_list("reasons", flat=True) for reason in row}
    assert cited <= {"bookings_total", "days_since_last_booking", "btyd_age_days", "pnbd_p_churn"}
    assert "days_since_last_booking" in cited


def test_a_history_that_validates_nothing_stops_training_and_says_what_each_model_needs(artifacts) -> None:
    # given three months of bookings
    call_command("generate_data", customers=500, years=0.25, seed=5, end_date=END, verbosity=0)

    # when / then
    with pytest.raises(ModelTrainingError) as raised:
        models_train(as_of=AS_OF)
    message = str(raised.value)
    assert message.startswith("nothing can be validated on this history: churn: the history (")
    assert "it needs 194 days" in message
    assert "lifetime value: the history (" in message
    assert "i.e. 150 days" in message
    assert not ModelVersion.objects.exists()
