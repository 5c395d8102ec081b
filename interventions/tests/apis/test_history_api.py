"""GET /api/interventions/history: everything with its audit trail for staff, a customer's own offers for them."""

import datetime as dt

import pytest
from django.utils import timezone

from customers.tests.factories import CustomerFactory, StaffUserFactory, UserFactory
from interventions.models import Intervention, InterventionAction, InterventionOutcome, InterventionStatus
from interventions.services.queue import intervention_approve, intervention_send
from interventions.tests.factories import InterventionEventFactory, InterventionFactory
from payments.models import DiscountCode

pytestmark = pytest.mark.django_db

HISTORY = "/api/interventions/history"


def iso(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


def created_on(intervention: Intervention, day: dt.date) -> Intervention:
    at = timezone.make_aware(dt.datetime.combine(day, dt.time(12)))
    Intervention.objects.filter(pk=intervention.pk).update(created_at=at)
    return intervention


@pytest.fixture
def sent_offer(retention_user):
    """A proposal approved by rahim and sent: three audit events, the last one carrying the code."""
    intervention = InterventionFactory(customer=CustomerFactory(external_id="C0042"))
    InterventionEventFactory(intervention=intervention)
    intervention_approve(intervention_id=intervention.pk, user=retention_user)
    return intervention_send(intervention_id=intervention.pk)


def test_anonymous_requests_are_refused_with_401(api_client):
    response = api_client.get(HISTORY)

    assert response.status_code == 401


def test_staff_see_an_intervention_with_its_audit_trail(staff_client, sent_offer, retention_user):
    # when
    response = staff_client.get(HISTORY)

    # then
    assert response.status_code == 200
    sent_offer.refresh_from_db()
    code = DiscountCode.objects.get(intervention=sent_offer).code
    events = list(sent_offer.events.order_by("at", "pk"))
    assert response.json()["results"] == [
        {
            "id": sent_offer.pk,
            "customer_id": "C0042",
            "action": "win_back_discount",
            "status": "sent",
            "outcome": "pending",
            "discount_amount": "200.00",
            "discount_percent": "0.0",
            "sent_at": iso(sent_offer.sent_at),
            "redeemed_at": None,
            "expires_at": iso(sent_offer.expires_at),
            "decided_by": "rahim",
            "decided_at": iso(sent_offer.decided_at),
            "created_at": iso(sent_offer.created_at),
            "events": [
                {
                    "from_status": "",
                    "to_status": "proposed",
                    "actor": None,
                    "note": "Proposed by the recommendation engine",
                    "at": iso(events[0].at),
                },
                {
                    "from_status": "proposed",
                    "to_status": "approved",
                    "actor": "rahim",
                    "note": "",
                    "at": iso(events[1].at),
                },
                {"from_status": "approved", "to_status": "sent", "actor": None, "note": code, "at": iso(events[2].at)},
            ],
        }
    ]


@pytest.fixture
def history(retention_user):
    """Six interventions in different states, actions, outcomes, deciders and days."""
    other_staff = StaffUserFactory(username="karim")
    rows = {
        "proposed": InterventionFactory(customer=CustomerFactory(external_id="C1")),
        "approved": InterventionFactory(
            customer=CustomerFactory(external_id="C2"),
            status=InterventionStatus.APPROVED,
            decided_by=retention_user,
            action=InterventionAction.BUDGET_SERVICE,
        ),
        "rejected": InterventionFactory(
            customer=CustomerFactory(external_id="C3"), status=InterventionStatus.REJECTED, decided_by=other_staff
        ),
        "redeemed": InterventionFactory(
            customer=CustomerFactory(external_id="C4"),
            status=InterventionStatus.REDEEMED,
            decided_by=retention_user,
            outcome=InterventionOutcome.RETAINED,
        ),
        "expired": InterventionFactory(
            customer=CustomerFactory(external_id="C5"),
            status=InterventionStatus.EXPIRED,
            decided_by=other_staff,
            outcome=InterventionOutcome.CHURNED,
            action=InterventionAction.BUDGET_SERVICE,
        ),
        "control": InterventionFactory(customer=CustomerFactory(external_id="C6"), status=InterventionStatus.CONTROL),
    }
    for n, row in enumerate(rows.values()):
        created_on(row, dt.date(2026, 11, 1) + dt.timedelta(days=n))
    return rows


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["control", "expired", "redeemed", "rejected", "approved", "proposed"]),
        ("status=proposed", ["proposed"]),
        ("status=redeemed&status=expired", ["expired", "redeemed"]),
        ("action=budget_service", ["expired", "approved"]),
        ("outcome=retained", ["redeemed"]),
        ("outcome=pending", ["control", "rejected", "approved", "proposed"]),
        ("customer=C3", ["rejected"]),
        ("customer=C9", []),
        ("decided_by=rahim", ["redeemed", "approved"]),
        ("decided_by=karim&status=expired", ["expired"]),
        ("created_after=2026-11-04", ["control", "expired", "redeemed"]),
        ("created_before=2026-11-03", ["approved", "proposed"]),
        ("created_after=2026-11-02&created_before=2026-11-04", ["rejected", "approved"]),
        ("created_after=2026-11-03T12:00:00%2B06:00", ["control", "expired", "redeemed", "rejected"]),
    ],
)
def test_staff_filter_the_history_newest_first(staff_client, history, query, expected):
    response = staff_client.get(f"{HISTORY}?{query}")

    assert response.status_code == 200
    assert ids(response) == [history[name].pk for name in expected]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("status=lost", "status: Select a valid choice. lost is not one of the available choices."),
        ("outcome=maybe", "outcome: Select a valid choice. maybe is not one of the available choices."),
        ("created_after=yesterday", "created_after: Enter a valid date/time."),
    ],
)
def test_bad_filter_values_are_a_400_with_the_reason(staff_client, history, query, message):
    response = staff_client.get(f"{HISTORY}?{query}")

    assert response.status_code == 400
    assert response.json()["error"]["message"] == message


@pytest.fixture
def own_history(customer_user):
    """The customer's interventions in every state, and another customer's offer."""
    customer = customer_user.customer
    staff = StaffUserFactory(username="karim")
    now = timezone.now()

    def own(**kwargs):  # one customer has one prediction a day: these rows go without one
        return InterventionFactory(customer=customer, prediction=None, **kwargs)

    rows = {
        "sent": own(status=InterventionStatus.SENT, sent_at=now, decided_by=staff),
        "redeemed": own(status=InterventionStatus.REDEEMED, sent_at=now, redeemed_at=now, decided_by=staff),
        "expired_offer": own(status=InterventionStatus.EXPIRED, sent_at=now),
        "expired_undecided": own(status=InterventionStatus.EXPIRED),
        "rejected": own(status=InterventionStatus.REJECTED, decided_by=staff),
        "control": own(status=InterventionStatus.CONTROL),
        "someone_elses": InterventionFactory(status=InterventionStatus.SENT, sent_at=now),
    }
    for n, row in enumerate(rows.values()):
        created_on(row, dt.date(2026, 11, 1) + dt.timedelta(days=n))
    InterventionEventFactory(
        intervention=rows["sent"], from_status="proposed", to_status="approved", actor=staff, note=""
    )
    return rows


def test_a_customer_sees_only_their_own_offers_that_reached_them(customer_client, own_history):
    # when
    response = customer_client.get(HISTORY)

    # then
    assert response.status_code == 200
    assert ids(response) == [own_history[name].pk for name in ("expired_offer", "redeemed", "sent")]


def test_a_customer_does_not_see_which_member_of_staff_decided(customer_client, own_history):
    # when
    response = customer_client.get(f"{HISTORY}?status=sent")

    # then
    [row] = response.json()["results"]
    assert row["decided_by"] is None
    assert [(event["to_status"], event["actor"]) for event in row["events"]] == [("approved", None)]


@pytest.mark.parametrize(
    "query", ["status=proposed", "status=rejected", "status=control", "customer=C9999999", "decided_by=karim"]
)
def test_a_customers_filters_cannot_widen_what_they_see(customer_client, own_history, query):
    response = customer_client.get(f"{HISTORY}?{query}")

    assert response.status_code == 200
    expected = {"customer=C9999999": [], "decided_by=karim": [own_history["redeemed"].pk, own_history["sent"].pk]}
    assert ids(response) == expected.get(query, [])


def test_a_customer_with_only_a_pending_proposal_sees_nothing(customer_client, customer_user):
    InterventionFactory(customer=customer_user.customer)

    response = customer_client.get(HISTORY)

    assert response.json()["count"] == 0


def test_a_user_who_is_neither_staff_nor_a_customer_sees_nothing(api_client, own_history):
    api_client.force_authenticate(UserFactory())

    response = api_client.get(HISTORY)

    assert (response.status_code, response.json()["count"]) == (200, 0)


@pytest.mark.parametrize("client_fixture", ["staff_client", "customer_client"])
def test_twenty_rows_with_their_events_take_three_queries(
    request, client_fixture, customer_user, django_assert_max_num_queries
):
    # given: the customer's twenty past offers, three audit events each
    staff = StaffUserFactory()
    for _ in range(20):
        intervention = InterventionFactory(
            customer=customer_user.customer,
            prediction=None,
            status=InterventionStatus.REDEEMED,
            sent_at=timezone.now(),
            decided_by=staff,
        )
        InterventionEventFactory(intervention=intervention)
        InterventionEventFactory(intervention=intervention, from_status="proposed", to_status="approved", actor=staff)
        InterventionEventFactory(intervention=intervention, from_status="approved", to_status="sent")
    client = request.getfixturevalue(client_fixture)

    # when: count, the page with customers and deciders joined, the events with their actors
    with django_assert_max_num_queries(3):
        response = client.get(HISTORY)

    # then
    assert len(response.json()["results"]) == 20
    assert {len(row["events"]) for row in response.json()["results"]} == {3}
