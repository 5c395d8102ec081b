"""GET /api/customers/{id}/loyalty: tier, benefits in both languages, what the next tier still needs, history."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from customers.models import BookingStatus
from customers.tests.factories import BookingFactory, CustomerFactory
from loyalty.tests.factories import CustomerLoyaltyFactory, existing_tier
from predictions.tests.factories import PredictionFactory

pytestmark = pytest.mark.django_db

SILVER = {
    "name": "silver",
    "name_bn": "সিলভার",
    "rank": 1,
    "discount_percent": "5.0",
    "benefits": ["5% off every booking", "Priority booking slots"],
    "benefits_bn": ["প্রতিটি বুকিংয়ে ৫% ছাড়", "অগ্রাধিকার বুকিং স্লট"],
    "min_ltv": "8000.00",
    "min_bookings_per_year": "2.00",
    "min_tenure_days": 90,
    "min_active_months": 2,
}
GOLD = {
    "name": "gold",
    "name_bn": "গোল্ড",
    "rank": 2,
    "discount_percent": "8.0",
    "benefits": ["8% off every booking", "Verified providers only", "Free re-visit within 7 days"],
    "benefits_bn": [
        "প্রতিটি বুকিংয়ে ৮% ছাড়",
        "শুধু যাচাইকৃত সেবাদাতা",
        "৭ দিনের মধ্যে বিনামূল্যে পুনরায় পরিদর্শন",
    ],
    "min_ltv": "25000.00",
    "min_bookings_per_year": "4.00",
    "min_tenure_days": 180,
    "min_active_months": 4,
}


@pytest.fixture
def member():
    """A Silver member for 400 days with four completed bookings 45 days apart and one cancelled."""
    now = timezone.now()
    customer = CustomerFactory(external_id="C0077", joined_at=now - dt.timedelta(days=400, hours=1))
    for days in (15, 60, 105, 150):
        BookingFactory(customer=customer, booked_at=now - dt.timedelta(days=days))
    BookingFactory(customer=customer, booked_at=now - dt.timedelta(days=5), status=BookingStatus.CANCELLED)
    PredictionFactory(customer=customer, as_of=timezone.localdate(), ltv=Decimal("18000.00"))
    CustomerLoyaltyFactory(
        customer=customer,
        tier=existing_tier("bronze"),
        valid_from=dt.date(2025, 11, 1),
        valid_to=dt.date(2026, 6, 1),
        reason="first tier assignment of Bronze",
    )
    CustomerLoyaltyFactory(
        customer=customer, tier=existing_tier("silver"), valid_from=dt.date(2026, 6, 1), reason="upgrade to Silver"
    )
    return customer


def test_staff_see_the_tier_benefits_next_tier_gaps_and_history(staff_client, member):
    # when
    response = staff_client.get("/api/customers/C0077/loyalty")

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["customer_id"] == "C0077"
    assert body["tier"] == SILVER
    assert (body["since"], body["reason"]) == ("2026-06-01", "upgrade to Silver")
    assert body["next_tier"] == GOLD
    per_year = 4 / (400 / 365.25)
    assert body["standing"] == {
        "ltv": 18000.0,
        "bookings_per_year": pytest.approx(per_year),
        "tenure_days": 400.0,
        "active_months_365d": 4.0,
    }
    assert body["next_tier_gaps"] == {
        "ltv": 7000.0,
        "bookings_per_year": pytest.approx(4 - per_year),
        "tenure_days": 0.0,
        "active_months_365d": 0.0,
    }
    assert body["history"] == [
        {"tier": "silver", "valid_from": "2026-06-01", "valid_to": None, "reason": "upgrade to Silver"},
        {
            "tier": "bronze",
            "valid_from": "2025-11-01",
            "valid_to": "2026-06-01",
            "reason": "first tier assignment of Bronze",
        },
    ]


def test_the_top_tier_has_no_next_tier(staff_client):
    # given
    customer = CustomerFactory(external_id="C0078")
    CustomerLoyaltyFactory(customer=customer, tier=existing_tier("platinum"))

    # when
    body = staff_client.get("/api/customers/C0078/loyalty").json()

    # then
    assert body["tier"]["name"] == "platinum"
    assert (body["next_tier"], body["next_tier_gaps"]) == (None, {})


def test_a_customer_without_a_tier_is_shown_the_first_tier(staff_client):
    # given
    CustomerFactory(external_id="C0079")

    # when
    body = staff_client.get("/api/customers/C0079/loyalty").json()

    # then
    assert (body["tier"], body["since"], body["reason"], body["history"]) == (None, None, "", [])
    assert body["next_tier"]["name"] == "bronze"
    assert body["next_tier_gaps"] == {
        "ltv": 0.0,
        "bookings_per_year": 0.0,
        "tenure_days": 0.0,
        "active_months_365d": 0.0,
    }


def test_a_customer_sees_their_own_loyalty(customer_client, customer_user):
    # given
    CustomerLoyaltyFactory(customer=customer_user.customer, tier=existing_tier("silver"))

    # when
    response = customer_client.get(f"/api/customers/{customer_user.customer.external_id}/loyalty")

    # then
    assert response.status_code == 200
    assert response.json()["tier"]["name"] == "silver"


def test_a_customer_asking_for_another_customers_loyalty_gets_a_404(customer_client, member):
    response = customer_client.get("/api/customers/C0077/loyalty")

    assert response.status_code == 404
    assert response.json()["error"] == {"code": "not_found", "message": "Not found.", "details": {}}


def test_anonymous_requests_are_refused(api_client, member):
    assert api_client.get("/api/customers/C0077/loyalty").status_code == 401
