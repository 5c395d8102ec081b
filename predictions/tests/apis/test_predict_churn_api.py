"""POST /api/predict/churn on the generated marketplace, and the dashboard checked against the database."""

import datetime as dt
import shutil
from unittest import mock

import pytest
from django.core.cache import cache
from django.db.models import Avg, Count, Sum
from django.utils import timezone
from rest_framework.test import APIClient

from customers.models import Customer
from customers.tests.factories import UserFactory
from predictions.models import Prediction, ScoringSettings
from predictions.selectors import SCORING_GENERATION_KEY
from predictions.services.registry import model_version_activate
from predictions.services.scoring import customers_score
from predictions.tests.conftest import AS_OF, END_DATE
from predictions.tests.factories import OutsiderCustomerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("marketplace")]

URL = "/api/predict/churn"
NO_MODEL = (
    "there is no active churn model yet: train one with `python manage.py train_models` (or POST /api/admin/retrain)"
)


@pytest.fixture
def on_the_last_day():
    """Real-time scoring uses everything known up to now: 'now' is the generated history's last day."""
    with mock.patch.object(timezone, "localdate", return_value=END_DATE):
        yield


def some_customers(n: int) -> list[Customer]:
    return list(Customer.objects.filter(bookings__isnull=False).distinct().order_by("pk")[:n])


def client_of(customer: Customer) -> APIClient:
    customer.user = UserFactory(username=f"portal-{customer.external_id}")
    customer.save(update_fields=["user"])
    client = APIClient()
    client.force_authenticate(customer.user)
    return client


@pytest.mark.usefixtures("on_the_last_day")
def test_staff_get_the_same_score_and_reasons_as_the_nightly_run(active_models, staff_client):
    # given
    customers_score(as_of=AS_OF)
    customer = some_customers(1)[0]
    nightly = Prediction.objects.get(customer=customer, as_of=AS_OF)

    # when
    response = staff_client.post(URL, {"customer_id": customer.external_id}, format="json")

    # then
    assert response.status_code == 200
    assert response.json() == {
        "customer_id": customer.external_id,
        "as_of": "2026-11-01",
        "churn_probability": nightly.churn_probability,
        "risk_category": nightly.risk_category,
        "reasons": nightly.reasons,
        "model_version": active_models.versions["churn"],
    }


@pytest.mark.usefixtures("on_the_last_day")
def test_a_customer_can_score_themself(active_models):
    # given
    customer = some_customers(1)[0]
    client = client_of(customer)

    # when
    response = client.post(URL, {"customer_id": customer.external_id}, format="json")

    # then
    assert response.status_code == 200
    assert response.json()["customer_id"] == customer.external_id
    assert len(response.json()["reasons"]) == 5


def test_a_customer_asking_about_another_customer_gets_a_404(active_models):
    # given
    own, other = some_customers(2)
    client = client_of(own)

    # when
    response = client.post(URL, {"customer_id": other.external_id}, format="json")

    # then
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Not found.", "details": {}}}


def test_an_unknown_customer_is_a_404_with_the_error_body(active_models, staff_client):
    response = staff_client.post(URL, {"customer_id": "NOBODY"}, format="json")

    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Not found.", "details": {}}}


@pytest.mark.parametrize(
    ("body", "message", "details"),
    [
        ({}, "customer_id: This field is required.", {"customer_id": ["This field is required."]}),
        (
            {"customer_id": ""},
            "customer_id: This field may not be blank.",
            {"customer_id": ["This field may not be blank."]},
        ),
        (
            {"customer_id": "C" * 65},
            "customer_id: Ensure this field has no more than 64 characters.",
            {"customer_id": ["Ensure this field has no more than 64 characters."]},
        ),
        (
            {"customer_id": None},
            "customer_id: This field may not be null.",
            {"customer_id": ["This field may not be null."]},
        ),
    ],
)
def test_a_missing_or_invalid_body_is_a_400_with_the_reason(staff_client, body, message, details):
    response = staff_client.post(URL, body, format="json")

    assert response.status_code == 400
    assert response.json() == {"error": {"code": "invalid", "message": message, "details": details}}


def test_malformed_json_is_a_400(staff_client):
    response = staff_client.post(URL, "{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"
    assert response.json()["error"]["message"].startswith("JSON parse error")


def test_without_an_active_model_the_api_answers_503_with_how_to_train(staff_client):
    # given
    customer = some_customers(1)[0]

    # when
    response = staff_client.post(URL, {"customer_id": customer.external_id}, format="json")

    # then
    assert response.status_code == 503
    assert response.json() == {"error": {"code": "model_unavailable", "message": NO_MODEL, "details": {}}}


def test_an_active_model_whose_artifact_is_gone_answers_503_naming_it(private_models, staff_client, monkeypatch):
    # given: the files of the active churn version deleted (this test's own copy), in a process that has not loaded
    # it yet
    from predictions.services import registry

    version = registry.active_version("churn").version
    shutil.rmtree(registry.artifacts_root() / "churn" / version)
    monkeypatch.setattr(registry, "_cache", {})
    customer = some_customers(1)[0]

    # when
    response = staff_client.post(URL, {"customer_id": customer.external_id}, format="json")

    # then: the model is named, where it lives on disk is not
    assert response.status_code == 503
    assert response.json()["error"] == {
        "code": "model_unavailable",
        "message": f"the active churn model {version} cannot be loaded from its artifact: activate another version "
        "or retrain (python manage.py train_models)",
        "details": {},
    }


def test_a_customer_without_bookings_is_a_422(active_models, staff_client):
    # given
    customer = OutsiderCustomerFactory(external_id="T-NEW-1")

    # when
    response = staff_client.post(URL, {"customer_id": "T-NEW-1"}, format="json")

    # then
    assert response.status_code == 422
    assert response.json() == {
        "error": {
            "code": "no_history",
            "message": f"customer {customer.external_id} has no bookings yet, so there is nothing to score",
            "details": {},
        }
    }


def test_anonymous_requests_are_refused(api_client):
    response = api_client.post(URL, {"customer_id": "C0000001"}, format="json")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_the_dashboard_counts_match_the_database(scored, staff_client):
    # given
    threshold = ScoringSettings.load().high_risk_from
    day = Prediction.objects.filter(as_of=AS_OF)
    at_risk = day.filter(churn_probability__gte=threshold)

    # when
    response = staff_client.get("/api/predictions/dashboard")

    # then
    body = response.json()
    assert response.status_code == 200
    assert body["as_of"] == "2026-11-01"
    assert body["customers"] == scored.scored == day.count()
    assert body["at_risk"] == at_risk.count()
    assert body["at_risk_rate"] == pytest.approx(at_risk.count() / day.count())
    assert body["mean_churn_probability"] == pytest.approx(day.aggregate(mean=Avg("churn_probability"))["mean"])
    assert body["ltv_total"] == f"{day.aggregate(total=Sum('ltv'))['total']:.2f}"
    assert body["ltv_at_risk"] == f"{at_risk.aggregate(total=Sum('ltv'))['total']:.2f}"
    assert body["by_risk"] == dict(day.values_list("risk_category").annotate(n=Count("pk")).order_by())
    assert sum(body["by_segment"].values()) == day.count()
    assert body["by_segment"] == {key: day.filter(segment=key).count() for key in body["by_segment"]}
    assert body["by_tier"] == dict(day.values_list("loyalty_tier").annotate(n=Count("pk")).order_by())
    assert body["model_version"] == scored.versions["churn"]


def test_the_dashboard_is_computed_once_and_again_after_scoring_or_an_activation(
    scored, staff_client, django_capture_on_commit_callbacks
):
    # given: the figures asked for once, then a prediction gone behind the cache's back
    first = staff_client.get("/api/predictions/dashboard").json()
    Prediction.objects.filter(pk__in=Prediction.objects.filter(as_of=AS_OF).order_by("pk").values("pk")[:1]).delete()
    generation = cache.get(SCORING_GENERATION_KEY)

    # when
    cached = staff_client.get("/api/predictions/dashboard").json()
    with django_capture_on_commit_callbacks(execute=True):
        model_version_activate(version=scored.versions["segmentation"], user=None)
    after_activation = staff_client.get("/api/predictions/dashboard").json()
    with django_capture_on_commit_callbacks(execute=True):
        customers_score(as_of=AS_OF)
    ScoringSettings.objects.update(high_risk_from=0.97, critical_risk_from=0.99)
    stricter = staff_client.get("/api/predictions/dashboard").json()

    # then: the cached figures until something that changes them commits; a changed threshold is another question
    assert cached == first
    assert after_activation["customers"] == first["customers"] - 1
    assert cache.get(SCORING_GENERATION_KEY) not in (None, generation)
    assert stricter["customers"] == first["customers"]
    assert stricter["at_risk"] == Prediction.objects.filter(as_of=AS_OF, churn_probability__gte=0.97).count()


def test_the_at_risk_list_holds_exactly_the_customers_at_or_above_the_high_threshold(scored, staff_client):
    # given
    expected = list(
        Prediction.objects.filter(as_of=AS_OF, churn_probability__gte=0.6)
        .order_by("-churn_probability", "pk")
        .values_list("customer__external_id", flat=True)
    )

    # when
    pages, url = [], "/api/predictions/at-risk?page_size=500"
    while url:
        body = staff_client.get(url).json()
        pages.append(body)
        url = body["next"]

    # then
    assert pages[0]["count"] == len(expected) > 0
    assert [row["customer_id"] for page in pages for row in page["results"]] == expected
    assert min(row["churn_probability"] for page in pages for row in page["results"]) >= 0.6


def test_real_time_scoring_is_not_stored(active_models, staff_client):
    # given
    customer = some_customers(1)[0]

    # when
    with mock.patch.object(timezone, "localdate", return_value=dt.date(2026, 10, 31)):
        staff_client.post(URL, {"customer_id": customer.external_id}, format="json")

    # then
    assert not Prediction.objects.exists()
