"""GET /healthz: 200 when every part is fine, 503 naming the failing parts."""

import datetime as dt

import pytest
from django.utils import timezone

from interventions.models import NightlyRunRecord, NightlyState
from mlcore.registry import artifact_save
from predictions.models import ModelKind, ModelVersion
from sheba_retention.settings.base import redis_cache
from tests.outage import OwnRedis

pytestmark = pytest.mark.django_db


@pytest.fixture
def healthy(tmp_path, settings):
    settings.MODEL_ARTIFACTS_DIR = tmp_path
    for kind in (ModelKind.CHURN, ModelKind.LTV, ModelKind.SEGMENTATION):
        version = f"{kind}-20261101-020000"
        artifact_save(tmp_path, kind=kind, version=version, files={"model.bin": b"weights"}, metadata={})
        ModelVersion.objects.create(kind=kind, version=version, is_active=True, as_of=dt.date(2026, 11, 1))
    NightlyRunRecord.objects.create(
        as_of=dt.date(2026, 11, 1), state=NightlyState.COMPLETE, started_at=timezone.now() - dt.timedelta(hours=3)
    )


def test_healthy(client, healthy):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["failing"]) == ("ok", [])
    assert body["checks"]["nightly"] == {"ok": True, "as_of": "2026-11-01", "state": "complete", "age_hours": 3.0}
    assert body["checks"]["models"]["active"]["churn"] == "churn-20261101-020000"


def test_an_active_model_missing_from_disk_is_named(client, healthy, tmp_path):
    # given
    (tmp_path / "ltv" / "ltv-20261101-020000" / "model.bin").unlink()

    # when
    response = client.get("/healthz")

    # then
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["models"]
    assert body["checks"]["models"]["error"] == (
        "RuntimeError: the active ltv model ltv-20261101-020000 cannot be loaded from its artifact: activate another "
        "version or "
        "retrain (python manage.py train_models)"
    )


def test_no_models_and_no_night_yet(client):
    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["models", "nightly"]
    assert "run `manage.py train_models`" in body["checks"]["models"]["error"]


def test_a_failed_or_stale_night_is_named(client, healthy):
    NightlyRunRecord.objects.update(state=NightlyState.FAILED, error="chunk 3: worker lost")

    failed = client.get("/healthz").json()
    NightlyRunRecord.objects.update(state=NightlyState.COMPLETE, started_at=timezone.now() - dt.timedelta(days=2))
    stale = client.get("/healthz").json()

    assert failed["failing"] == ["nightly"]
    assert "failed: chunk 3: worker lost" in failed["checks"]["nightly"]["error"]
    assert stale["failing"] == ["nightly"]
    assert "started 48.0 hours ago" in stale["checks"]["nightly"]["error"]


def test_the_cache_down_is_named_and_answers_at_once(client, healthy, settings):
    redis = OwnRedis()
    redis.stop()
    settings.CACHES = {"default": redis_cache(redis.url)}

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["failing"] == ["cache"]
