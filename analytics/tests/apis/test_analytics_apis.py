"""The four analytics endpoints: their bodies on rows in the database, their filters, and who may call them."""

import datetime as dt

import pytest
from django.utils import timezone

from analytics.tests.factories import booking_on, judged_proposal
from customers.services.activity import customer_months_refresh
from customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

ROUTES = ["/api/analytics/retention", "/api/analytics/roi", "/api/analytics/segments", "/api/analytics/revenue"]
Q1 = {"start": "2025-01-01", "end": "2025-03-31"}


def test_retention_answers_months_and_cohorts(analyst_client):
    # given
    customer = CustomerFactory(joined_at=timezone.make_aware(dt.datetime(2025, 1, 2)))
    booking_on(customer, dt.date(2025, 1, 10))
    booking_on(customer, dt.date(2025, 2, 10))
    customer_months_refresh()  # as the import or the nightly run does

    # when
    body = analyst_client.get("/api/analytics/retention", Q1).json()

    # then
    assert body["period"] == {"start": "2025-01-01", "end": "2025-03-31"}
    assert body["months"] == [
        {"month": "2025-01-01", "active": 1, "retained": 1, "rate": 1.0},
        {"month": "2025-02-01", "active": 1, "retained": 0, "rate": 0.0},
    ]
    assert body["cohorts"]["cohorts"][0] == {"month": "2025-01-01", "size": 1, "retention": [1.0, 1.0, 0.0]}
    assert body["cohorts"]["curve"] == [1.0, 1.0, 0.0]
    assert body["cohorts"]["observed"] == [1, 1, 1]


def test_roi_and_revenue_answer_the_ab_results_and_what_was_recovered(analyst_client):
    # given
    kept = judged_proposal(arm="sent", retained=True, on=dt.date(2025, 1, 10))
    booking_on(kept.customer, dt.date(2025, 1, 20), amount="800.00")
    judged_proposal(arm="control", retained=False, on=dt.date(2025, 1, 10))

    # when
    roi = analyst_client.get("/api/analytics/roi", {**Q1, "action": "win_back_discount"}).json()
    revenue = analyst_client.get("/api/analytics/revenue", Q1).json()

    # then
    [ab] = roi["ab"]
    assert {key: ab[key] for key in ("action", "segment", "sent", "share_sent", "effect_of_sending")} == {
        "action": "win_back_discount",
        "segment": "",
        "sent": 1,
        "share_sent": 1.0,
        "effect_of_sending": 1.0,
    }
    assert ab["test"]["too_small"] is True
    assert ab["test"]["p_value"] == pytest.approx(0.157299, abs=1e-6)  # z = 1 ÷ √(½ × ½ × 2)
    [measured] = roi["roi"]
    assert (measured["segment"], measured["roi"]["action"]) == ("", "win_back_discount")
    # one kept of one sent against one held out who left: the difference 1 ± 0, clipped; all of it carried over
    assert measured["test"] == ab["test"]
    cost = measured["roi"]["discounts_redeemed"] + measured["roi"]["contact_cost"]
    assert measured["net_high"] == pytest.approx(measured["roi"]["value_per_customer"] - cost)
    assert measured["roi_high"] == pytest.approx(measured["net_high"] / cost)
    assert measured["roi_low"] == pytest.approx(measured["net_low"] / cost)
    assert revenue["window_days"] == 90
    assert [(row["action"], row["recovered"]) for row in revenue["by_action"]] == [
        ("win_back_discount", 800.0),
        ("", 800.0),
    ]


def test_segments_answers_distributions_and_movement(analyst_client):
    body = analyst_client.get("/api/analytics/segments", Q1).json()

    assert [row["day"] for row in body["segments"]["distribution"]] == ["2025-01-31", "2025-02-28", "2025-03-31"]
    assert body["tiers"]["movement"][0] == {"start": "2025-01-31", "end": "2025-02-28", "moved": 0, "flows": {}}


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"start": "2025-13-01"}, "start"),
        ({"start": "2025-03-01", "end": "2025-01-01"}, "end"),
        ({"segment": "vip"}, "segment"),
        ({"city": "atlantis"}, "city"),
        ({"end": "9015-06-22"}, "end"),  # a period of millennia, walked month by month, timed the server out
        ({"start": "0425-11-01"}, "start"),
    ],
)
def test_a_bad_filter_is_a_400_naming_it(analyst_client, route, query, field):
    response = analyst_client.get(route, query)

    assert response.status_code == 400
    assert set(response.json()["error"]) == {"code", "message", "details"}
    assert field in response.json()["error"]["details"]


@pytest.mark.parametrize("route", ["/api/analytics/roi", "/api/analytics/revenue"])
def test_an_unknown_action_is_a_400(analyst_client, route):
    assert analyst_client.get(route, {"action": "free_money"}).status_code == 400


@pytest.mark.parametrize("route", ROUTES)
def test_anonymous_callers_are_refused_401_and_customers_403(api_client, customer_client, route):
    assert api_client.get(route).status_code == 401
    assert customer_client.get(route).status_code == 403


@pytest.mark.parametrize("route", ROUTES)
def test_staff_and_analysts_read_every_report(analyst_client, retention_client, route):
    assert analyst_client.get(route).status_code == 200
    assert retention_client.get(route).status_code == 200
