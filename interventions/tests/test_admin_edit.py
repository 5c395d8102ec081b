"""Editing a proposal in the admin goes through intervention_update: the caps, the state check and the audit trail."""

from decimal import Decimal

import pytest
from django.urls import reverse

from interventions.tests.factories import InterventionFactory

pytestmark = pytest.mark.django_db


def change(client, intervention, **fields):
    data = {
        "discount_amount": str(intervention.discount_amount),
        "message_en": intervention.message_en,
        "message_bn": intervention.message_bn,
        "events-TOTAL_FORMS": "0",
        "events-INITIAL_FORMS": "0",
        **fields,
    }
    return client.post(reverse("admin:interventions_intervention_change", args=[intervention.pk]), data)


@pytest.fixture
def proposal():
    # the discount is capped at Tk 200: 10% of Tk 1,000 / (1 - 0.5)
    return InterventionFactory(
        prediction__ltv=Decimal("1000.00"),
        prediction__ltv_low=Decimal("500.00"),
        churn_probability=0.5,
        discount_amount=Decimal("150.00"),
    )


def test_an_edit_is_saved_with_an_audit_event_naming_the_editor(admin_client, admin_user, proposal):
    response = change(admin_client, proposal, discount_amount="180.00")

    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.discount_amount == Decimal("180.00")
    assert list(proposal.events.values_list("actor", "note")) == [(admin_user.pk, "edited: discount Tk 150 → Tk 180")]


def test_a_discount_above_the_cap_is_a_form_error_and_changes_nothing(admin_client, proposal):
    response = change(admin_client, proposal, discount_amount="250.00")

    assert response.status_code == 200
    assert "between Tk 0 and Tk 200" in response.text
    proposal.refresh_from_db()
    assert (proposal.discount_amount, proposal.events.count()) == (Decimal("150.00"), 0)
