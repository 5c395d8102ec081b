"""GET /api/predictions/at-risk and /api/predictions/dashboard on a handful of hand-made predictions."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.models import City, Segment
from customers.tests.factories import CustomerFactory
from predictions.models import ModelKind, ModelVersion, RiskCategory, ScoringSettings
from predictions.tests.factories import PredictionFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 1)
AT_RISK = "/api/predictions/at-risk"
DASHBOARD = "/api/predictions/dashboard"


def predict(external_id, probability, risk, *, segment="at_risk", city=City.DHAKA, area="Mirpur", tier="silver", **kw):
    customer = CustomerFactory(external_id=external_id, city=city, area=area)
    return PredictionFactory(
        customer=customer,
        as_of=TODAY,
        churn_probability=probability,
        risk_category=risk,
        segment=segment,
        loyalty_tier=tier,
        **kw,
    )


@pytest.fixture
def predictions():
    """Five customers scored today (three at or above 0.6), one of them also scored a day earlier."""
    rows = [
        predict("C1", 0.95, RiskCategory.CRITICAL, ltv=Decimal("1000.00"), ltv_low=Decimal("500.00")),
        predict("C2", 0.81, RiskCategory.CRITICAL, segment="price_sensitive", area="Gulshan", tier="gold"),
        predict("C3", 0.6, RiskCategory.HIGH, city=City.CHATTOGRAM, area="Agrabad"),
        predict("C4", 0.59, RiskCategory.MEDIUM, segment="occasional"),
        predict("C5", 0.2, RiskCategory.LOW, segment="high_value_loyal", tier="platinum"),
    ]
    PredictionFactory(customer=rows[3].customer, as_of=TODAY - dt.timedelta(days=1), churn_probability=0.99)
    return rows


def ids(response) -> list[str]:
    return [row["customer_id"] for row in response.json()["results"]]


def test_the_at_risk_list_has_the_latest_day_at_or_above_the_high_threshold(staff_client, predictions):
    # when
    response = staff_client.get(AT_RISK)

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert ids(response) == ["C1", "C2", "C3"]
    assert body["results"][0] == {
        "customer_id": "C1",
        "name": predictions[0].customer.name,
        "city": "dhaka",
        "area": "Mirpur",
        "as_of": "2026-11-01",
        "churn_probability": 0.95,
        "risk_category": "critical",
        "segment": "at_risk",
        "loyalty_tier": "silver",
        "ltv": "1000.00",
        "ltv_low": "500.00",
        "ltv_high": "24000.00",
        "ltv_low_if_retained": "9000.00",
        "reasons": predictions[0].reasons,
        "model_version": "churn-test-1",
    }


def test_the_at_risk_list_follows_the_high_threshold_setting(staff_client, predictions):
    # given
    ScoringSettings.objects.filter(pk=1).update(high_risk_from=0.8, critical_risk_from=0.9)

    # when
    response = staff_client.get(AT_RISK)

    # then
    assert ids(response) == ["C1", "C2"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("risk=critical", ["C1", "C2"]),
        ("risk=high", ["C3"]),
        ("risk=high&risk=critical", ["C1", "C2", "C3"]),
        ("risk=low", []),
        ("segment=at_risk", ["C1", "C3"]),
        ("segment=price_sensitive&segment=at_risk", ["C1", "C2", "C3"]),
        ("city=chattogram", ["C3"]),
        ("area=mirpur", ["C1"]),
        ("area=GULSHAN", ["C2"]),
        ("city=dhaka&segment=at_risk", ["C1"]),
        ("min_probability=0.8", ["C1", "C2"]),
        ("loyalty_tier=gold", ["C2"]),
    ],
)
def test_the_at_risk_list_filters(staff_client, predictions, query, expected):
    response = staff_client.get(f"{AT_RISK}?{query}")

    assert response.status_code == 200
    assert ids(response) == expected


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("risk=extreme", "risk: Select a valid choice. extreme is not one of the available choices."),
        ("segment=vip", "segment: Select a valid choice. vip is not one of the available choices."),
        ("city=paris", "city: Select a valid choice. paris is not one of the available choices."),
        ("min_probability=high", "min_probability: Enter a number."),
    ],
)
def test_a_bad_filter_value_is_a_400_with_the_reason(staff_client, predictions, query, message):
    response = staff_client.get(f"{AT_RISK}?{query}")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert response.json()["error"]["message"] == message


def test_the_at_risk_list_is_paginated(staff_client, predictions):
    # when
    first = staff_client.get(f"{AT_RISK}?page_size=2").json()
    second = staff_client.get(f"{AT_RISK}?page_size=2&page=2").json()

    # then
    assert (first["count"], len(first["results"]), first["previous"]) == (3, 2, None)
    assert first["next"] == "http://testserver/api/predictions/at-risk?page=2&page_size=2"
    assert [row["customer_id"] for row in second["results"]] == ["C3"]
    assert second["next"] is None


def test_a_page_beyond_the_last_is_a_404(staff_client, predictions):
    response = staff_client.get(f"{AT_RISK}?page=9")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_the_at_risk_list_runs_as_many_queries_for_ten_rows_as_for_two(staff_client):
    # given
    for n in range(2):
        predict(f"A{n}", 0.9, RiskCategory.CRITICAL)
    with CaptureQueriesContext(connection) as two:
        staff_client.get(AT_RISK)
    for n in range(2, 10):
        predict(f"A{n}", 0.9, RiskCategory.CRITICAL)

    # when
    with CaptureQueriesContext(connection) as ten:
        response = staff_client.get(AT_RISK)

    # then
    assert response.json()["count"] == 10
    assert len(ten) == len(two) <= 6


@pytest.mark.parametrize("url", [AT_RISK, DASHBOARD])
def test_customers_are_refused_the_staff_lists(customer_client, url):
    response = customer_client.get(url)

    assert response.status_code == 403
    assert response.json()["error"] == {
        "code": "permission_denied",
        "message": "Only staff can see this.",
        "details": {},
    }


@pytest.mark.parametrize("url", [AT_RISK, DASHBOARD])
def test_anonymous_requests_are_refused_the_staff_lists(api_client, url):
    assert api_client.get(url).status_code == 401


def test_the_dashboard_summarises_the_latest_day(staff_client, predictions):
    # when
    response = staff_client.get(DASHBOARD)

    # then
    assert response.status_code == 200
    assert response.json() == {
        "as_of": "2026-11-01",
        "customers": 5,
        "at_risk": 3,
        "at_risk_rate": 0.6,
        "high_risk_threshold": 0.6,
        "mean_churn_probability": pytest.approx((0.95 + 0.81 + 0.6 + 0.59 + 0.2) / 5),
        "ltv_total": "73000.00",
        "ltv_at_risk": "37000.00",
        "by_risk": {"low": 1, "medium": 1, "high": 1, "critical": 2},
        "by_segment": {
            "high_value_loyal": 1,
            "price_sensitive": 1,
            "quality_focused": 0,
            "occasional": 1,
            "at_risk": 2,
        },
        "by_tier": {"silver": 3, "gold": 1, "platinum": 1},
        "model_version": "churn-test-1",
    }


def test_the_dashboard_before_any_scoring_is_all_zeros(staff_client):
    # when
    body = staff_client.get(DASHBOARD).json()

    # then
    assert body == {
        "as_of": None,
        "customers": 0,
        "at_risk": 0,
        "at_risk_rate": 0.0,
        "high_risk_threshold": 0.6,
        "mean_churn_probability": 0.0,
        "ltv_total": "0.00",
        "ltv_at_risk": "0.00",
        "by_risk": {"low": 0, "medium": 0, "high": 0, "critical": 0},
        "by_segment": dict.fromkeys(Segment.Key.values, 0),
        "by_tier": {},
        "model_version": "",
    }


def test_the_dashboard_lists_only_the_segments_the_active_segmentation_offers(staff_client, predictions):
    # given a segmentation fitted on a log without discounts or providers (no Price-Sensitive, no Quality-Focused);
    # one of the day's predictions still holds Price-Sensitive from the model before it
    ModelVersion.objects.create(
        kind=ModelKind.SEGMENTATION,
        version="segmentation-20261101-000000",
        as_of=dt.date(2026, 11, 1),
        is_active=True,
        metadata={"segments": ["high_value_loyal", "occasional", "at_risk"]},
    )

    # when
    body = staff_client.get(DASHBOARD).json()

    # then the segments it offers, with zeros where nobody is, and the one still held; never one nobody can be in
    assert body["by_segment"] == {"high_value_loyal": 1, "price_sensitive": 1, "occasional": 1, "at_risk": 2}
