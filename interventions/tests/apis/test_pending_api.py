"""GET /api/interventions/pending: the approval queue, best expected net benefit first."""

from decimal import Decimal

import pytest
from django.utils import timezone

from customers.models import City
from customers.tests.factories import CustomerFactory
from interventions.models import Intervention, InterventionAction, InterventionSettings, InterventionStatus
from interventions.selectors import intervention_pending_list
from interventions.tests.factories import InterventionFactory
from predictions.models import RiskCategory

pytestmark = pytest.mark.django_db

PENDING = "/api/interventions/pending"


def proposal(external_id, net_benefit, *, city=City.DHAKA, segment="at_risk", risk=RiskCategory.HIGH, **kwargs):
    return InterventionFactory(
        customer=CustomerFactory(external_id=external_id, city=city),
        prediction__segment=segment,
        prediction__risk_category=risk,
        expected_net_benefit=Decimal(net_benefit),
        **kwargs,
    )


@pytest.fixture
def queue():
    """Four proposals, and one intervention in each state that is not waiting for a decision."""
    rows = [
        proposal("C1", "3000.00", expected_roi=5.0),
        proposal(
            "C2",
            "2000.00",
            city=City.CHATTOGRAM,
            segment="price_sensitive",
            risk=RiskCategory.CRITICAL,
            action=InterventionAction.BUDGET_SERVICE,
            expected_roi=2.0,
        ),
        proposal(
            "C3",
            "1000.00",
            segment="high_value_loyal",
            risk=RiskCategory.CRITICAL,
            action=InterventionAction.LOYALTY_BONUS,
            expected_roi=1.2,
        ),
        proposal(
            "C4",
            "4000.00",
            city=City.SYLHET,
            risk=RiskCategory.CRITICAL,
            action=InterventionAction.PERSONAL_CALL,
            expected_roi=1.5,
        ),
    ]
    for n, state in enumerate(
        [
            InterventionStatus.APPROVED,
            InterventionStatus.REJECTED,
            InterventionStatus.SENT,
            InterventionStatus.CONTROL,
            InterventionStatus.EXPIRED,
        ]
    ):
        proposal(f"X{n}", "9000.00", status=state)
    return rows


def ids(response) -> list[str]:
    return [row["customer_id"] for row in response.json()["results"]]


def test_anonymous_requests_are_refused_with_401(api_client, queue):
    response = api_client.get(PENDING)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_customers_are_refused_with_403(customer_client, queue):
    response = customer_client.get(PENDING)

    assert response.status_code == 403
    assert response.json()["error"] == {
        "code": "permission_denied",
        "message": "Only staff can see this.",
        "details": {},
    }


@pytest.mark.parametrize("client_fixture", ["staff_client", "retention_client", "analyst_client"])
def test_staff_and_analysts_see_the_queue(request, client_fixture, queue):
    response = request.getfixturevalue(client_fixture).get(PENDING)

    assert response.status_code == 200


def test_only_proposals_are_listed_best_net_benefit_first(staff_client, queue):
    # when
    response = staff_client.get(PENDING)

    # then
    assert response.json()["count"] == 4
    assert ids(response) == ["C4", "C1", "C2", "C3"]


def test_a_row_carries_the_customer_the_score_the_reason_and_the_economics(staff_client):
    # given
    customer = CustomerFactory(external_id="C0042", name="Rahima Begum", city=City.DHAKA, area="Mirpur")
    intervention = InterventionFactory(
        customer=customer,
        prediction__churn_probability=0.72,
        prediction__risk_category=RiskCategory.HIGH,
        prediction__segment="occasional",
        churn_probability=0.72,
        addresses_reason="complaints_90d",
        action=InterventionAction.SERVICE_RECOVERY,
        discount_amount=Decimal("150.00"),
        expected_retention_uplift=0.08,
        uplift_source="prior",
        expected_cost=Decimal("152.00"),
        expected_net_benefit=Decimal("1288.00"),
        expected_roi=8.47,
        risk_adjusted_roi=5.3,
    )

    # when
    response = staff_client.get(PENDING)

    # then
    assert response.status_code == 200
    assert response.json()["results"] == [
        {
            "id": intervention.pk,
            "customer_id": "C0042",
            "name": "Rahima Begum",
            "city": "dhaka",
            "area": "Mirpur",
            "churn_probability": 0.72,
            "risk_category": "high",
            "segment": "occasional",
            "addresses_reason": "complaints_90d",
            "reason": {
                "feature": "complaints_90d",
                "text_en": "2 complaints in the last 90 days",
                "text_bn": "গত ৯০ দিনে ২টি অভিযোগ",
            },
            "action": "service_recovery",
            "service": "ac-basic-servicing",
            "service_name": intervention.service.name,
            "discount_amount": "150.00",
            "discount_percent": "0.0",
            # min(Tk 500 settings' cap, 10% of Tk 18,000 / (1 - 0.72) = Tk 6,429)
            "max_discount_amount": "500.00",
            "expected_retention_uplift": 0.08,
            "uplift_source": "prior",
            "expected_cost": "152.00",
            "expected_net_benefit": "1288.00",
            "expected_roi": 8.47,
            "risk_adjusted_roi": 5.3,
            "message_en": "We miss you! Tk 200 off your next AC servicing.",
            "message_bn": "আমরা আপনাকে মিস করছি! পরবর্তী এসি সার্ভিসিংয়ে ২০০ টাকা ছাড়।",
            "created_at": timezone.localtime(intervention.created_at).isoformat(),
        }
    ]


def test_the_discount_cap_follows_the_settings_and_the_customers_value(staff_client):
    # given: Tk 1,000 if retained / (1 - 0.5) = Tk 2,000; 10% of it = Tk 200, below the Tk 500 setting
    InterventionFactory(
        prediction__ltv=Decimal("1000.00"), prediction__ltv_low=Decimal("500.00"), churn_probability=0.5
    )
    InterventionSettings.objects.filter(pk=1).update(max_discount_amount=Decimal("150.00"))

    # when
    response = staff_client.get(PENDING)

    # then
    assert response.json()["results"][0]["max_discount_amount"] == "150.00"


def test_a_proposal_without_prediction_or_service_still_lists(staff_client):
    # given: the prediction and the service were deleted after the proposal was made
    InterventionFactory(prediction=None, service=None, addresses_reason="complaints_90d")

    # when
    response = staff_client.get(PENDING)

    # then
    row = response.json()["results"][0]
    assert (row["risk_category"], row["segment"], row["service"], row["service_name"]) == (None, None, None, None)
    assert row["reason"] == {"feature": "complaints_90d", "text_en": "", "text_bn": ""}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("action=win_back_discount", ["C1"]),
        ("action=personal_call&action=budget_service", ["C4", "C2"]),
        ("segment=at_risk", ["C4", "C1"]),
        ("segment=price_sensitive&segment=high_value_loyal", ["C2", "C3"]),
        ("risk=critical", ["C4", "C2", "C3"]),
        ("risk=high", ["C1"]),
        ("min_roi=2", ["C1", "C2"]),
        ("min_roi=1.5", ["C4", "C1", "C2"]),
        ("city=chattogram", ["C2"]),
        ("city=dhaka&risk=critical", ["C3"]),
        ("city=rajshahi", []),
    ],
)
def test_the_queue_filters(staff_client, queue, query, expected):
    response = staff_client.get(f"{PENDING}?{query}")

    assert response.status_code == 200
    assert ids(response) == expected


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("action=free_money", "action: Select a valid choice. free_money is not one of the available choices."),
        ("segment=vip", "segment: Select a valid choice. vip is not one of the available choices."),
        ("risk=extreme", "risk: Select a valid choice. extreme is not one of the available choices."),
        ("city=paris", "city: Select a valid choice. paris is not one of the available choices."),
        ("min_roi=lots", "min_roi: Enter a number."),
    ],
)
def test_bad_filter_values_are_a_400_with_the_reason(staff_client, queue, query, message):
    response = staff_client.get(f"{PENDING}?{query}")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert response.json()["error"]["message"] == message


def test_the_queue_is_paginated(staff_client, queue):
    response = staff_client.get(f"{PENDING}?page_size=3&page=2")

    assert response.json()["count"] == 4
    assert ids(response) == ["C3"]


def test_twenty_rows_take_three_queries(staff_client, django_assert_max_num_queries):
    # given
    for n in range(20):
        proposal(f"Q{n:02d}", f"{1000 + n}.00")

    # when: count, the page with customers, predictions and services joined, the settings row for the caps
    with django_assert_max_num_queries(3):
        response = staff_client.get(PENDING)

    # then
    assert len(response.json()["results"]) == 20


def test_the_queue_is_read_in_the_order_of_an_index():
    # given: the queue's filter (status) and order, as the database sees the fields
    order = [str(field).replace("pk", "id") for field in intervention_pending_list().query.order_by]

    # then: an index starts with the status and follows that order, so a page is read from it, not sorted from
    # every proposal (tens of thousands on a nightly run)
    assert ["status", *order] in [list(index.fields) for index in Intervention._meta.indexes]
