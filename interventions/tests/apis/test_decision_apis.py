"""POST /api/interventions/approve and /reject: who may decide, what a decision changes, and every refusal."""

from decimal import Decimal

import pytest
from django.utils import timezone

from interventions.models import Intervention, InterventionStatus
from interventions.tests.factories import InterventionEventFactory, InterventionFactory
from notifications.models import Notification
from payments.models import DiscountCode

pytestmark = pytest.mark.django_db

APPROVE = "/api/interventions/approve"
REJECT = "/api/interventions/reject"
UNKNOWN_ID = 987654321


@pytest.fixture
def proposed():
    intervention = InterventionFactory()
    InterventionEventFactory(intervention=intervention)
    return intervention


def events(intervention) -> list[tuple]:
    return list(intervention.events.order_by("at", "pk").values_list("from_status", "to_status", "actor", "note"))


def error(response) -> dict:
    return response.json()["error"]


# Who may decide ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [APPROVE, REJECT])
def test_anonymous_requests_are_refused_with_401(api_client, proposed, url):
    response = api_client.post(url, {"intervention_id": proposed.pk})

    assert response.status_code == 401
    assert error(response)["code"] == "not_authenticated"


@pytest.mark.parametrize("url", [APPROVE, REJECT])
@pytest.mark.parametrize("client_fixture", ["customer_client", "analyst_client", "staff_client"])
def test_customers_analysts_and_staff_without_the_permission_are_refused_with_403(
    request, client_fixture, proposed, url
):
    # when
    response = request.getfixturevalue(client_fixture).post(url, {"intervention_id": proposed.pk})

    # then
    assert response.status_code == 403
    assert error(response) == {
        "code": "permission_denied",
        "message": "Only retention staff with the 'change intervention' permission can approve or reject "
        "interventions.",
        "details": {},
    }
    proposed.refresh_from_db()
    assert proposed.status == InterventionStatus.PROPOSED


# Approve ------------------------------------------------------------------------------------------------------------


def test_approving_changes_the_status_and_records_who_and_when(retention_client, retention_user, proposed):
    # when
    response = retention_client.post(APPROVE, {"intervention_id": proposed.pk})

    # then
    assert response.status_code == 200
    proposed.refresh_from_db()
    assert response.json() == {
        "id": proposed.pk,
        "status": "approved",
        "decided_by": "rahim",
        "decided_at": timezone.localtime(proposed.decided_at).isoformat(),
        "discount_amount": "200.00",
    }
    assert (proposed.status, proposed.decided_by) == (InterventionStatus.APPROVED, retention_user)
    assert events(proposed) == [
        ("", "proposed", None, "Proposed by the recommendation engine"),
        ("proposed", "approved", retention_user.pk, ""),
    ]


def test_a_superuser_may_approve(api_client, proposed, django_user_model):
    # given
    api_client.force_authenticate(django_user_model.objects.create_superuser("root", "root@example.com", "x"))

    # when
    response = api_client.post(APPROVE, {"intervention_id": proposed.pk})

    # then
    assert response.status_code == 200


def test_the_approval_sends_the_offer_once_committed(retention_client, proposed, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = retention_client.post(APPROVE, {"intervention_id": proposed.pk})

    # then
    assert response.status_code == 200
    assert len(callbacks) == 2  # the send, then the notification's delivery
    proposed.refresh_from_db()
    assert proposed.status == InterventionStatus.SENT
    code = DiscountCode.objects.get(intervention=proposed)
    assert code.value == Decimal("200.00")
    assert Notification.objects.filter(intervention=proposed).count() == 1
    assert [to for _, to, _, _ in events(proposed)] == ["proposed", "approved", "sent"]


def test_approving_with_a_discount_within_the_cap_changes_the_discount(retention_client, proposed):
    # given: the cap is the settings' Tk 500 (10% of Tk 18,000 is more)

    # when
    response = retention_client.post(APPROVE, {"intervention_id": proposed.pk, "discount_amount": "500.00"})

    # then
    assert response.status_code == 200
    assert response.json()["discount_amount"] == "500.00"
    proposed.refresh_from_db()
    assert (proposed.status, proposed.discount_amount) == (InterventionStatus.APPROVED, Decimal("500.00"))


def test_approving_twice_is_a_409_invalid_state_and_sends_nothing_more(
    retention_client, proposed, django_capture_on_commit_callbacks
):
    # given
    retention_client.post(APPROVE, {"intervention_id": proposed.pk})

    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = retention_client.post(APPROVE, {"intervention_id": proposed.pk})

    # then
    assert response.status_code == 409
    assert error(response) == {
        "code": "invalid_state",
        "message": f"intervention {proposed.pk} is approved; only a proposed one can become approved",
        "details": {},
    }
    assert callbacks == []
    assert len(events(proposed)) == 2


def test_a_discount_above_the_cap_is_a_400_and_changes_nothing(retention_client):
    # given: Tk 1,000 / (1 - 0.5) = Tk 2,000 if retained; 10% of it = Tk 200
    intervention = InterventionFactory(
        prediction__ltv=Decimal("1000.00"), prediction__ltv_low=Decimal("500.00"), churn_probability=0.5
    )

    # when
    response = retention_client.post(APPROVE, {"intervention_id": intervention.pk, "discount_amount": "900"})

    # then
    assert response.status_code == 400
    assert error(response) == {
        "code": "discount_above_cap",
        "message": "the discount must be between Tk 0 and Tk 200 for this customer (the settings' cap and 10% of "
        "what they spend at least if they stay)",
        "details": {},
    }
    intervention.refresh_from_db()
    assert (intervention.status, intervention.discount_amount, intervention.decided_by) == (
        InterventionStatus.PROPOSED,
        Decimal("200.00"),
        None,
    )
    assert events(intervention) == []


@pytest.mark.parametrize("url", [APPROVE, REJECT])
@pytest.mark.parametrize("unknown", [UNKNOWN_ID, 2**62])
def test_an_unknown_id_is_a_404(retention_client, url, unknown):
    response = retention_client.post(url, {"intervention_id": unknown})

    assert response.status_code == 404
    assert error(response) == {
        "code": "not_found",
        "message": f"intervention {unknown} does not exist",
        "details": {},
    }


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"intervention_id": "seven"}, "intervention_id: A valid integer is required."),
        ({"intervention_id": 0}, "intervention_id: Ensure this value is greater than or equal to 1."),
        ({"intervention_id": 1.5}, "intervention_id: A valid integer is required."),
        ({"intervention_id": None}, "intervention_id: This field may not be null."),
        ({"intervention_id": 1, "discount_amount": "lots"}, "discount_amount: A valid number is required."),
        (
            {"intervention_id": 1, "discount_amount": "-5"},
            "discount_amount: Ensure this value is greater than or equal to 0.",
        ),
        ({}, "Give either intervention_id or intervention_ids."),
        ({"intervention_id": 1, "intervention_ids": [1]}, "Give either intervention_id or intervention_ids."),
        ({"intervention_ids": []}, "intervention_ids: Ensure this field has at least 1 elements."),
        ({"intervention_ids": "1,2"}, 'intervention_ids: Expected a list of items but got type "str".'),
        ({"intervention_ids": [1, "x"]}, "intervention_ids: 1: A valid integer is required."),
        (
            {"intervention_ids": list(range(1, 102))},
            "intervention_ids: Ensure this field has no more than 100 elements.",
        ),
        (
            {"intervention_ids": [1, 2], "discount_amount": "100"},
            "A discount can be changed only when approving one intervention.",
        ),
    ],
)
def test_malformed_approvals_are_a_400_with_the_reason(retention_client, proposed, body, message):
    # when
    response = retention_client.post(APPROVE, body)

    # then
    assert response.status_code == 400
    assert error(response)["code"] == "invalid"
    assert error(response)["message"] == message
    proposed.refresh_from_db()
    assert proposed.status == InterventionStatus.PROPOSED


# Reject -------------------------------------------------------------------------------------------------------------


def test_rejecting_with_a_reason_records_who_and_why(retention_client, retention_user, proposed):
    # when
    response = retention_client.post(
        REJECT, {"intervention_id": proposed.pk, "reason": "customer asked not to be contacted"}
    )

    # then
    assert response.status_code == 200
    proposed.refresh_from_db()
    assert response.json() == {
        "id": proposed.pk,
        "status": "rejected",
        "decided_by": "rahim",
        "decided_at": timezone.localtime(proposed.decided_at).isoformat(),
        "discount_amount": "200.00",
    }
    assert events(proposed)[-1] == ("proposed", "rejected", retention_user.pk, "customer asked not to be contacted")


def test_rejecting_without_a_reason(retention_client, retention_user, proposed):
    response = retention_client.post(REJECT, {"intervention_id": proposed.pk})

    assert response.status_code == 200
    assert events(proposed)[-1] == ("proposed", "rejected", retention_user.pk, "")


@pytest.mark.parametrize("state", [InterventionStatus.APPROVED, InterventionStatus.SENT, InterventionStatus.CONTROL])
def test_rejecting_what_is_not_pending_is_a_409(retention_client, state):
    # given
    intervention = InterventionFactory(status=state)

    # when
    response = retention_client.post(REJECT, {"intervention_id": intervention.pk, "reason": "too late"})

    # then
    assert response.status_code == 409
    assert error(response)["code"] == "invalid_state"
    assert error(response)["message"].startswith(f"intervention {intervention.pk} is ")
    intervention.refresh_from_db()
    assert intervention.status == state


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"intervention_id": "x"}, "intervention_id: A valid integer is required."),
        ({"intervention_id": 1, "reason": "x" * 256}, "reason: Ensure this field has no more than 255 characters."),
        ({"intervention_id": 1, "reason": ["a"]}, "reason: Not a valid string."),
    ],
)
def test_malformed_rejections_are_a_400_with_the_reason(retention_client, body, message):
    response = retention_client.post(REJECT, body)

    assert response.status_code == 400
    assert error(response)["message"] == message


# Bulk ---------------------------------------------------------------------------------------------------------------


def test_bulk_approval_approves_each_pending_one_and_reports_the_rest(retention_client, retention_user):
    # given
    first, second = InterventionFactory(), InterventionFactory()
    rejected = InterventionFactory(status=InterventionStatus.REJECTED)

    # when
    response = retention_client.post(
        APPROVE, {"intervention_ids": [first.pk, rejected.pk, UNKNOWN_ID, second.pk, first.pk]}
    )

    # then
    assert response.status_code == 200
    body = response.json()
    assert [row["id"] for row in body["approved"]] == [first.pk, second.pk]
    assert {row["status"] for row in body["approved"]} == {"approved"}
    assert body["errors"] == {
        str(rejected.pk): f"intervention {rejected.pk} is rejected; only a proposed one can become approved",
        str(UNKNOWN_ID): f"intervention {UNKNOWN_ID} does not exist",
    }
    statuses = dict(Intervention.objects.values_list("pk", "status"))
    assert statuses == {first.pk: "approved", second.pk: "approved", rejected.pk: "rejected"}


def test_bulk_rejection_gives_each_the_same_reason(retention_client, retention_user):
    # given
    first, second = InterventionFactory(), InterventionFactory()
    sent = InterventionFactory(status=InterventionStatus.SENT)

    # when
    response = retention_client.post(
        REJECT, {"intervention_ids": [first.pk, second.pk, sent.pk], "reason": "budget spent this month"}
    )

    # then
    assert response.status_code == 200
    body = response.json()
    assert [row["id"] for row in body["rejected"]] == [first.pk, second.pk]
    assert list(body["errors"]) == [str(sent.pk)]
    for intervention in (first, second):
        assert events(intervention) == [("proposed", "rejected", retention_user.pk, "budget spent this month")]
