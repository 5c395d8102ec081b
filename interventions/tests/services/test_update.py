"""intervention_update: staff change a proposal's discount or wording before deciding, within the caps, audited."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from customers.tests.factories import StaffUserFactory
from interventions.models import InterventionStatus
from interventions.services.queue import TransitionError, intervention_update
from interventions.tests.factories import InterventionFactory

pytestmark = pytest.mark.django_db


def capped_at_200(**kwargs):
    # value if retained: Tk 1,000 / (1 - 0.5) = Tk 2,000; 10% of it = Tk 200
    return InterventionFactory(
        prediction__ltv=Decimal("1000.00"),
        prediction__ltv_low=Decimal("500.00"),
        churn_probability=0.5,
        discount_amount=Decimal("150.00"),
        **kwargs,
    )


def test_a_proposal_gets_a_new_discount_and_wording_and_the_trail_says_what_changed():
    # given
    intervention, staff = capped_at_200(message_en="Old"), StaffUserFactory(username="rahim")

    # when
    intervention_update(
        intervention_id=intervention.pk, user=staff, discount_amount=Decimal("200"), message_en="We miss you"
    )

    # then
    intervention.refresh_from_db()
    assert (intervention.status, intervention.discount_amount, intervention.message_en) == (
        InterventionStatus.PROPOSED,
        Decimal("200.00"),
        "We miss you",
    )
    assert list(intervention.events.values_list("from_status", "to_status", "actor", "note")) == [
        ("proposed", "proposed", staff.pk, "edited: discount Tk 150 → Tk 200; English message reworded")
    ]


def test_nothing_changed_writes_no_event():
    intervention = capped_at_200(message_en="Same")

    intervention_update(
        intervention_id=intervention.pk, user=StaffUserFactory(), discount_amount=Decimal("150"), message_en="Same"
    )

    assert intervention.events.count() == 0


def test_a_discount_above_the_cap_is_refused_and_changes_nothing():
    intervention = capped_at_200(message_en="Old")

    with pytest.raises(ValidationError, match="between Tk 0 and Tk 200"):
        intervention_update(
            intervention_id=intervention.pk, user=StaffUserFactory(), discount_amount=Decimal("201"), message_en="New"
        )

    intervention.refresh_from_db()
    assert (intervention.discount_amount, intervention.message_en, intervention.events.count()) == (
        Decimal("150.00"),
        "Old",
        0,
    )


@pytest.mark.parametrize("status", [InterventionStatus.APPROVED, InterventionStatus.SENT, InterventionStatus.CONTROL])
def test_only_a_proposal_can_change(status):
    intervention = capped_at_200(status=status, message_en="Old")

    with pytest.raises(TransitionError, match="only a proposed one can be changed"):
        intervention_update(intervention_id=intervention.pk, user=StaffUserFactory(), message_en="New")

    intervention.refresh_from_db()
    assert intervention.message_en == "Old"


def test_a_message_cannot_be_emptied():
    intervention = capped_at_200(message_bn="পুরনো")

    with pytest.raises(ValidationError, match="Bengali message cannot be empty"):
        intervention_update(intervention_id=intervention.pk, user=StaffUserFactory(), message_bn="  ")

    intervention.refresh_from_db()
    assert intervention.message_bn == "পুরনো"
