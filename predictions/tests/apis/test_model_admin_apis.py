"""POST /api/admin/retrain and GET /api/admin/model-performance."""

import datetime as dt
from unittest import mock

import pytest
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from customers.tests.factories import StaffUserFactory, UserFactory
from predictions.models import ModelKind, ModelPerformance
from predictions.tests.factories import ModelPerformanceFactory

pytestmark = pytest.mark.django_db

RETRAIN = "/api/admin/retrain"
PERFORMANCE = "/api/admin/model-performance"
NO_PERMISSION = "Only administrators with the 'add model version' permission can retrain models."


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def train_task():
    with mock.patch("predictions.tasks.train_models_task.apply_async") as apply_async:
        yield apply_async


def test_a_superuser_queues_retraining(train_task):
    # given
    client = client_for(UserFactory(is_staff=True, is_superuser=True))

    # when
    response = client.post(RETRAIN)

    # then: queued at once (it reads no row this request writes), so a broker outage can be answered with a 503
    assert response.status_code == 202
    assert response.json() == {"status": "queued"}
    train_task.assert_called_once_with((), ignore_result=True)


def test_staff_with_the_add_model_version_permission_may_retrain(train_task, django_capture_on_commit_callbacks):
    # given
    user = StaffUserFactory()
    user.user_permissions.add(Permission.objects.get(codename="add_modelversion"))

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(user).post(RETRAIN)

    # then
    assert response.status_code == 202
    train_task.assert_called_once_with((), ignore_result=True)


def test_staff_without_the_permission_get_a_403(train_task, staff_client, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(RETRAIN)

    # then
    assert response.status_code == 403
    assert response.json()["error"] == {"code": "permission_denied", "message": NO_PERMISSION, "details": {}}
    train_task.assert_not_called()


def test_a_customer_gets_a_403(train_task, customer_client):
    response = customer_client.post(RETRAIN)

    assert response.status_code == 403
    train_task.assert_not_called()


def test_anonymous_retraining_is_a_401(train_task, api_client):
    response = api_client.post(RETRAIN)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    train_task.assert_not_called()


@pytest.fixture
def runs():
    """Two churn runs and one of each other kind, oldest first."""
    made = []
    for kind, version in [
        (ModelKind.CHURN, "churn-20260901-030000"),
        (ModelKind.LTV, "ltv-20260901-030000"),
        (ModelKind.SEGMENTATION, "segmentation-20260901-030000"),
        (ModelKind.CHURN, "churn-20261001-030000"),
    ]:
        made.append(ModelPerformanceFactory(model_kind=kind, model_version=version, as_of=dt.date(2026, 9, 1)))
    for hour, run in enumerate(made):  # trained_at is set on insert: spread the runs an hour apart
        trained_at = dt.datetime(2026, 10, 1, hour, tzinfo=dt.UTC)
        ModelPerformance.objects.filter(pk=run.pk).update(trained_at=trained_at)
    return made


def test_staff_see_every_training_run_newest_first(staff_client, runs):
    # when
    response = staff_client.get(PERFORMANCE)

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4
    assert [row["model_version"] for row in body["results"]] == [run.model_version for run in reversed(runs)]
    assert body["results"][0] == {
        "model_kind": "churn",
        "model_version": "churn-20261001-030000",
        "as_of": "2026-09-01",
        "trained_at": "2026-10-01T09:00:00+06:00",
        "n_train": 8000,
        "n_holdout": 2000,
        # a run from before the champion (its metrics say nothing of what is served) served its own model
        "served": "model",
        "served_name": "our model",
        "fallback": False,
        "reason": "",
        "metrics": runs[3].metrics,
    }


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("churn", ["churn-20261001-030000", "churn-20260901-030000"]),
        ("ltv", ["ltv-20260901-030000"]),
        ("segmentation", ["segmentation-20260901-030000"]),
    ],
)
def test_model_performance_filters_by_kind(staff_client, runs, kind, expected):
    response = staff_client.get(f"{PERFORMANCE}?kind={kind}")

    assert [row["model_version"] for row in response.json()["results"]] == expected


def test_an_unknown_kind_is_a_400_with_the_reason(staff_client, runs):
    response = staff_client.get(f"{PERFORMANCE}?kind=forest")

    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "invalid",
        "message": "kind: 'forest' is not one of churn, ltv, segmentation",
        "details": {"kind": ["'forest' is not one of churn, ltv, segmentation"]},
    }


def test_customers_cannot_see_model_performance(customer_client, runs):
    response = customer_client.get(PERFORMANCE)

    assert response.status_code == 403
    assert response.json()["error"]["message"] == "Only staff can see this."
