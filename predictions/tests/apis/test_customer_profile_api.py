"""GET /api/customers/{id}: the profile carries the latest prediction, the current segment and the loyalty tier."""

import datetime as dt
from decimal import Decimal

import pytest

from customers.models import Segment
from customers.tests.factories import CustomerFactory
from customers.tests.segment_factories import CustomerSegmentFactory, existing_segment
from loyalty.models import LoyaltyTier
from loyalty.tests.factories import CustomerLoyaltyFactory, existing_tier
from predictions.tests.factories import PredictionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def profiled():
    """A customer scored twice, who moved from Occasional to At-Risk and from Bronze to Silver."""
    customer = CustomerFactory(external_id="C0042")
    PredictionFactory(customer=customer, as_of=dt.date(2026, 10, 1), churn_probability=0.31, risk_category="medium")
    latest = PredictionFactory(
        customer=customer,
        as_of=dt.date(2026, 11, 1),
        churn_probability=0.72,
        risk_category="high",
        ltv=Decimal("18000.00"),
        ltv_low=Decimal("12000.00"),
        ltv_high=Decimal("24000.00"),
    )
    CustomerSegmentFactory(
        customer=customer,
        segment=existing_segment(Segment.Key.OCCASIONAL),
        valid_from=dt.date(2026, 6, 1),
        valid_to=dt.date(2026, 11, 1),
    )
    CustomerSegmentFactory(
        customer=customer, segment=existing_segment(Segment.Key.AT_RISK), valid_from=dt.date(2026, 11, 1)
    )
    CustomerLoyaltyFactory(
        customer=customer,
        tier=existing_tier(LoyaltyTier.Name.BRONZE),
        valid_from=dt.date(2026, 1, 1),
        valid_to=dt.date(2026, 10, 1),
    )
    CustomerLoyaltyFactory(
        customer=customer, tier=existing_tier(LoyaltyTier.Name.SILVER), valid_from=dt.date(2026, 10, 1)
    )
    return customer, latest


def test_staff_see_the_latest_prediction_segment_and_tier(staff_client, profiled):
    # given
    customer, latest = profiled

    # when
    response = staff_client.get("/api/customers/C0042")

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == "C0042"
    assert body["prediction"] == {
        "as_of": "2026-11-01",
        "churn_probability": 0.72,
        "risk_category": "high",
        "reasons": latest.reasons,
        "ltv": "18000.00",
        "ltv_low": "12000.00",
        "ltv_high": "24000.00",
        "ltv_low_if_retained": "9000.00",
        "model_version": "churn-test-1",
    }
    assert (body["segment"], body["loyalty_tier"]) == ("at_risk", "silver")


def test_a_customer_never_scored_has_no_prediction_segment_or_tier(staff_client):
    # given
    CustomerFactory(external_id="C0043")

    # when
    body = staff_client.get("/api/customers/C0043").json()

    # then
    assert (body["prediction"], body["segment"], body["loyalty_tier"]) == (None, "", "")


def test_a_customer_sees_their_own_profile_but_not_how_the_business_values_them(customer_client, customer_user):
    # given a scored customer
    PredictionFactory(customer=customer_user.customer, as_of=dt.date(2026, 11, 1))

    # when
    response = customer_client.get(f"/api/customers/{customer_user.customer.external_id}")

    # then their record, without the prediction (LTV, the bound discounts are capped by) or the segment
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == customer_user.customer.external_id
    assert (body["prediction"], body["segment"]) == (None, "")


def test_a_customer_asking_for_another_profile_gets_a_404(customer_client, profiled):
    response = customer_client.get("/api/customers/C0042")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
