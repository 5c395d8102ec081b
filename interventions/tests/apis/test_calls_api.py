"""GET /api/interventions/calls, POST …/calls/{id}/claim and …/calls/{id}/log."""

import pytest

from interventions.models import CallStatus
from interventions.tests.factories import SupportCallFactory

pytestmark = pytest.mark.django_db

CALLS = "/api/interventions/calls"


def error(response) -> dict:
    return response.json()["error"]


def test_staff_see_the_call_list_earliest_due_first(retention_client):
    # given
    later = SupportCallFactory()
    sooner = SupportCallFactory(due_by=later.due_by.replace(year=later.due_by.year - 1))
    SupportCallFactory(status=CallStatus.REACHED)

    # when
    response = retention_client.get(CALLS, {"status": "to_call"})

    # then
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [sooner.pk, later.pk]
    first = rows[0]
    assert first["customer_id"] == sooner.customer.external_id
    assert first["phone"] == sooner.customer.phone
    assert first["reasons"] == [reason["text_en"] for reason in sooner.intervention.prediction.reasons]


def test_mine_lists_only_my_calls(retention_client, retention_user):
    mine = SupportCallFactory(assigned_to=retention_user)
    SupportCallFactory()

    response = retention_client.get(CALLS, {"mine": "true"})

    assert [row["id"] for row in response.json()["results"]] == [mine.pk]


def test_an_unknown_status_is_a_400(retention_client):
    response = retention_client.get(CALLS, {"status": "maybe"})

    assert response.status_code == 400


def test_claim_and_log_a_call(retention_client, retention_user):
    # given
    call = SupportCallFactory()

    # when
    claimed = retention_client.post(f"{CALLS}/{call.pk}/claim")
    logged = retention_client.post(
        f"{CALLS}/{call.pk}/log", {"reached": True, "note": "Will book again."}, format="json"
    )

    # then
    assert claimed.status_code == 200
    assert claimed.json()["assigned_to"] == retention_user.username
    assert logged.status_code == 200
    assert (logged.json()["status"], logged.json()["attempts"], logged.json()["note"]) == (
        "reached",
        1,
        "Will book again.",
    )


def test_logging_a_closed_call_is_a_409_and_changes_nothing(retention_client):
    call = SupportCallFactory(status=CallStatus.REACHED, attempts=1)

    response = retention_client.post(f"{CALLS}/{call.pk}/log", {"reached": False}, format="json")

    assert response.status_code == 409
    assert error(response)["code"] == "invalid_state"
    call.refresh_from_db()
    assert call.attempts == 1


def test_an_unknown_call_is_a_404(retention_client):
    response = retention_client.post(f"{CALLS}/987654/claim")

    assert response.status_code == 404
    assert error(response)["message"] == "call 987654 does not exist"


@pytest.mark.parametrize(
    ("body", "format"),
    [({"reached": "perhaps"}, "json"), ({}, "json"), ({"note": "no answer?"}, "multipart")],
)
def test_a_log_without_a_clear_reached_is_a_400_and_logs_nothing(retention_client, body, format):
    call = SupportCallFactory()

    response = retention_client.post(f"{CALLS}/{call.pk}/log", body, format=format)

    assert response.status_code == 400
    assert "reached" in error(response)["details"]
    call.refresh_from_db()
    assert call.attempts == 0


def test_analysts_may_look_but_not_call(analyst_client):
    call = SupportCallFactory()

    assert analyst_client.get(CALLS).status_code == 200
    assert analyst_client.post(f"{CALLS}/{call.pk}/claim").status_code == 403


def test_customers_cannot_see_the_call_list(customer_client):
    SupportCallFactory()

    assert customer_client.get(CALLS).status_code == 403
