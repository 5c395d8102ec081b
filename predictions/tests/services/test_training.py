"""models_train on the generated marketplace: what it registers and records, and how it refuses too little data."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from customers.tests.factories import BookingFactory
from mlcore.churn import MODEL_FEATURES
from predictions.models import ModelKind, ModelPerformance, ModelVersion
from predictions.services.training import ModelTrainingError, models_train
from predictions.tests.conftest import AS_OF, GENERATED

pytestmark = pytest.mark.django_db


def registry_state() -> list[tuple]:
    return list(ModelVersion.objects.order_by("pk").values_list("version", "is_active", "activated_at", "metadata"))


def artifact_folders(root) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.glob("*/*"))


def test_training_registers_one_active_version_of_each_kind(active_models):
    # given: the versions models_train(as_of=AS_OF) registered on the generated data

    # when
    rows = list(ModelVersion.objects.order_by("kind"))

    # then
    assert [(row.kind, row.version, row.is_active, row.as_of) for row in rows] == [
        (ModelKind.CHURN, active_models.versions["churn"], True, AS_OF),
        (ModelKind.LTV, active_models.versions["ltv"], True, AS_OF),
        (ModelKind.SEGMENTATION, active_models.versions["segmentation"], True, AS_OF),
    ]
    churn = rows[0]
    assert churn.version.startswith("churn-")
    assert churn.metadata["feature_names"] == list(MODEL_FEATURES)
    assert churn.metadata["as_of"] == "2026-11-01"
    assert set(churn.metadata["files"]) == {"booster.json", "churn.json"}
    assert set(churn.metadata["libraries"]) >= {"python", "xgboost", "numpy", "pandas"}
    for row in rows:
        assert (active_models.artifacts_dir / row.kind / row.version / "metadata.json").is_file()


def test_the_database_allows_only_one_active_version_per_kind(active_models):
    # given
    ModelVersion.objects.create(kind=ModelKind.CHURN, version="churn-20261101-000000", as_of=AS_OF)

    # when / then
    with pytest.raises(IntegrityError), transaction.atomic():
        ModelVersion.objects.filter(version="churn-20261101-000000").update(is_active=True)
    assert ModelVersion.objects.filter(kind=ModelKind.CHURN, is_active=True).count() == 1


def test_ltv_performance_holds_the_interval_coverage_and_the_btyd_baseline(active_models):
    # when
    row = ModelPerformance.objects.get(model_kind=ModelKind.LTV)

    # then
    assert row.model_version == active_models.versions["ltv"]
    assert row.metrics["horizon_days"] == 1095
    assert set(row.metrics["served_metrics"]) >= {"mae", "rmse", "total_ratio", "spearman", "coverage"}
    assert abs(row.metrics["served_metrics"]["coverage"] - 0.8) <= 0.07
    assert set(row.metrics["baselines"]) == {"bg_nbd_gamma_gamma", "pareto_nbd_gamma_gamma", "zero"}
    assert row.metrics["baselines"]["bg_nbd_gamma_gamma"]["n"] == row.n_holdout
    # what is served is never worse than a baseline on the criteria, and the reason says so with the figures
    served = row.metrics["served_metrics"]
    assert all(served["rmse"] <= values["rmse"] for values in row.metrics["baselines"].values())
    assert row.metrics["served"] in ("model", "blend")
    assert "on every criterion" in row.metrics["decision"]["reason"]


def test_segmentation_performance_records_the_profile_of_each_named_segment(active_models):
    # when
    row = ModelPerformance.objects.get(model_kind=ModelKind.SEGMENTATION)

    # then
    assert row.model_version == active_models.versions["segmentation"]
    assert set(row.metrics["profiles"]) == {
        "high_value_loyal",
        "price_sensitive",
        "quality_focused",
        "occasional",
        "at_risk",
    }


def test_too_few_customers_stop_training_and_leave_the_active_models_untouched(active_models):
    # given
    call_command("generate_data", **{**GENERATED, "customers": 30}, verbosity=0)
    before = registry_state()
    folders = artifact_folders(active_models.artifacts_dir)

    # when
    with pytest.raises(ModelTrainingError, match=r"has \d+ customers; at least 50 are needed to train the churn"):
        models_train(as_of=AS_OF)

    # then
    assert registry_state() == before
    assert ModelVersion.objects.filter(is_active=True).count() == 3
    assert ModelPerformance.objects.count() == 3
    assert artifact_folders(active_models.artifacts_dir) == folders


def test_a_single_outcome_stops_training_with_the_reason(active_models):
    # given: 60 customers who each booked once, long ago, and never again: everyone churned at every cutoff
    long_ago = timezone.now() - dt.timedelta(days=500)
    BookingFactory.create_batch(60, booked_at=long_ago, customer__joined_at=long_ago - dt.timedelta(days=30))
    before = registry_state()

    # when
    with pytest.raises(ModelTrainingError) as raised:
        models_train(as_of=timezone.localdate())

    # then
    assert str(raised.value) == (
        "every customer in the training cutoffs churned: a churn model needs both outcomes to learn from"
    )
    assert registry_state() == before


def test_no_bookings_at_all_says_to_import_or_generate_data_first():
    with pytest.raises(ModelTrainingError, match="there are no bookings yet: import or generate data first"):
        models_train()


def test_train_models_command_turns_training_errors_into_a_command_error(active_models):
    # given
    call_command("generate_data", **{**GENERATED, "customers": 30}, verbosity=0)
    before = registry_state()

    # when
    with pytest.raises(CommandError, match=r"^training stopped, the active models are unchanged: the holdout cutoff"):
        call_command("train_models", "--as-of", "2026-11-01", verbosity=0)

    # then
    assert registry_state() == before


def test_train_models_command_refuses_a_churn_window_under_two_weeks():
    with pytest.raises(CommandError, match="^--churn-window-days must be at least 14$"):
        call_command("train_models", "--churn-window-days", "10")


def test_train_models_command_refuses_a_malformed_date():
    with pytest.raises(CommandError, match="argument --as-of: invalid fromisoformat value: '01/11/2026'"):
        call_command("train_models", "--as-of", "01/11/2026")


@pytest.mark.parametrize(("given", "expected"), [({}, (60, 730)), ({"churn_window_days": 30}, (30, 730))])
def test_the_churn_window_and_ltv_horizon_come_from_the_scoring_settings_unless_given(active_models, given, expected):
    # given settings staff changed in the admin
    from unittest import mock

    from mlcore.features import TrainingDataError
    from predictions.models import ScoringSettings

    ScoringSettings.objects.filter(pk=1).update(churn_window_days=60, ltv_horizon_days=730)
    seen = {}

    def churn(history, as_of, config):
        seen["window"] = config.window_days
        return "churn-model", mock.Mock()

    def ltv(history, as_of, config):
        seen["horizon"] = config.horizon_days
        raise TrainingDataError("stop here")

    # when (models_train imports the trainers when it runs, from their modules)
    with (
        mock.patch("mlcore.churn.churn_train", side_effect=churn),
        mock.patch("mlcore.ltv.ltv_train", side_effect=ltv),
        pytest.raises(ModelTrainingError, match="stop here"),
    ):
        models_train(as_of=AS_OF, **given)

    # then
    assert (seen["window"], seen["horizon"]) == expected
