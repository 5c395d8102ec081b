"""Fixtures of the prediction tests: models trained once per run, the generated marketplace once per module.

Training on the generated data takes half a minute, so it runs once for the whole test run: the first xdist worker
to need it trains inside a transaction that is rolled back, keeps the artifacts on disk and the registry rows in a
JSON file, and every other worker waits for that file. Tests then get the registry rows back inside their own
rolled-back transaction (`active_models`), so each test can activate, tamper with or delete models freely.
"""

import datetime as dt
import fcntl
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.test import override_settings

from customers.models import Booking, CompetitorSearch, Complaint, Customer, CustomerSegment, Provider
from loyalty.models import CustomerLoyalty
from predictions.models import ModelPerformance, ModelVersion, Prediction
from predictions.services.scoring import ScoringResult, customers_score
from predictions.services.training import models_train

END_DATE = dt.date(2026, 10, 31)
AS_OF = dt.date(2026, 11, 1)
GENERATED = {"customers": 1500, "years": 3, "seed": 3, "end_date": END_DATE}
VERSION_FIELDS = ("kind", "version", "as_of", "is_active", "metadata")
PERFORMANCE_FIELDS = ("model_kind", "model_version", "as_of", "n_train", "n_holdout", "metrics")


def marketplace_generate() -> None:
    call_command("generate_data", **GENERATED, verbosity=0)


def marketplace_remove() -> None:
    """Delete everything the generator and the pipeline write, children first (the reference data stays)."""
    for model in (
        Prediction,
        CustomerLoyalty,
        CustomerSegment,
        ModelPerformance,
        ModelVersion,
        Complaint,
        CompetitorSearch,
        Booking,
        Customer,
        Provider,
    ):
        model.objects.all().delete()


@dataclass(frozen=True)
class TrainedModels:
    """What one `models_train(as_of=AS_OF)` on the generated data produced."""

    artifacts_dir: Path
    versions: dict[str, str]  # kind -> version
    metrics: dict[str, dict]
    version_rows: list[dict]
    performance_rows: list[dict]

    def register(self) -> None:
        """Recreate the registry rows (all three active) and their performance rows in the current transaction."""
        ModelVersion.objects.bulk_create(ModelVersion(**row) for row in self.version_rows)
        ModelPerformance.objects.bulk_create(ModelPerformance(**row) for row in self.performance_rows)


def _train(artifacts_dir: Path) -> dict:
    with override_settings(MODEL_ARTIFACTS_DIR=artifacts_dir), transaction.atomic():
        marketplace_generate()
        result = models_train(as_of=AS_OF)
        snapshot = {
            "versions": {str(kind): version for kind, version in result.versions.items()},
            "metrics": result.metrics,
            "version_rows": list(ModelVersion.objects.values(*VERSION_FIELDS)),
            "performance_rows": list(ModelPerformance.objects.values(*PERFORMANCE_FIELDS)),
        }
        transaction.set_rollback(True)
    return json.loads(json.dumps(snapshot, cls=DjangoJSONEncoder))


@pytest.fixture(scope="session")
def trained_models(django_db_setup, django_db_blocker, tmp_path_factory) -> TrainedModels:
    # Under xdist each worker has its own folder inside the run's folder: the run's folder is shared.
    in_worker = "PYTEST_XDIST_WORKER" in os.environ
    shared = tmp_path_factory.getbasetemp().parent if in_worker else tmp_path_factory.getbasetemp()
    artifacts_dir = shared / "trained-models"
    snapshot_file = shared / "trained-models.json"
    with open(shared / "trained-models.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the other workers wait here while the first one trains
        if not snapshot_file.exists():
            artifacts_dir.mkdir(exist_ok=True)
            with django_db_blocker.unblock():
                snapshot_file.write_text(json.dumps(_train(artifacts_dir)))
    snapshot = json.loads(snapshot_file.read_text())
    for row in snapshot["version_rows"] + snapshot["performance_rows"]:
        row["as_of"] = dt.date.fromisoformat(row["as_of"])
    return TrainedModels(
        artifacts_dir=artifacts_dir,
        versions=snapshot["versions"],
        metrics=snapshot["metrics"],
        version_rows=snapshot["version_rows"],
        performance_rows=snapshot["performance_rows"],
    )


@pytest.fixture(scope="module")
def marketplace(trained_models, django_db_blocker):
    """The generated marketplace, committed for one module's tests (each test still rolls its own changes back)."""
    with django_db_blocker.unblock():
        marketplace_generate()
        try:
            yield
        finally:
            marketplace_remove()


@pytest.fixture
def artifacts_dir(trained_models, settings) -> Path:
    settings.MODEL_ARTIFACTS_DIR = trained_models.artifacts_dir
    return trained_models.artifacts_dir


@pytest.fixture
def active_models(trained_models, artifacts_dir, db) -> TrainedModels:
    """The trained versions, registered and active, for this test only."""
    trained_models.register()
    return trained_models


@pytest.fixture
def scored(marketplace, active_models) -> ScoringResult:
    """Every customer scored as of AS_OF, inside the test's transaction."""
    return customers_score(as_of=AS_OF)


@pytest.fixture
def private_artifacts(trained_models, tmp_path, settings) -> Path:
    """A copy of the trained artifacts for tests that add or damage versions (other workers read the original)."""
    root = tmp_path / "models"
    shutil.copytree(trained_models.artifacts_dir, root)
    settings.MODEL_ARTIFACTS_DIR = root
    return root


@pytest.fixture
def private_models(trained_models, private_artifacts, db) -> TrainedModels:
    """The trained versions, registered and active, with their files in this test's own folder."""
    trained_models.register()
    return trained_models
