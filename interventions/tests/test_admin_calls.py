"""Working the call list in the admin: the change form logs an attempt through the service."""

import pytest
from django.urls import reverse

from interventions.models import CallStatus
from interventions.tests.factories import SupportCallFactory

pytestmark = pytest.mark.django_db


def change_url(call) -> str:
    return reverse("admin:interventions_supportcall_change", args=[call.pk])


def test_the_form_logs_an_attempt_with_its_note(admin_client, admin_user):
    call = SupportCallFactory()

    response = admin_client.post(change_url(call), {"result": "no_answer", "new_note": "Phone switched off."})

    assert response.status_code == 302
    call.refresh_from_db()
    assert (call.attempts, call.status, call.note, call.assigned_to) == (
        1,
        CallStatus.TO_CALL,
        "Phone switched off.",
        admin_user,
    )


def test_a_note_without_a_result_is_refused_and_changes_nothing(admin_client):
    call = SupportCallFactory()

    response = admin_client.post(change_url(call), {"result": "", "new_note": "Spoke to her brother."})

    assert response.status_code == 200
    assert "Say whether the customer answered" in response.content.decode()
    call.refresh_from_db()
    assert (call.attempts, call.note) == (0, "")


def test_a_closed_call_is_read_only(admin_client):
    call = SupportCallFactory(status=CallStatus.REACHED)

    admin_client.post(change_url(call), {"result": "reached", "new_note": "again"})

    call.refresh_from_db()
    assert (call.attempts, call.note) == (0, "")


def test_the_list_shows_overdue_calls(admin_client):
    SupportCallFactory(due_by="2026-01-01T10:00:00+06:00")

    response = admin_client.get(reverse("admin:interventions_supportcall_changelist"))

    assert "(overdue)" in response.content.decode()
