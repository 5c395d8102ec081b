"""The support call list: a sent personal call becomes one call to make, worked until reached or given up."""

import datetime as dt

import pytest
from django.utils import timezone

from customers.tests.factories import StaffUserFactory
from interventions.models import CallStatus, InterventionAction, InterventionStatus, SupportCall
from interventions.services.calls import MAX_ATTEMPTS, support_call_claim, support_call_log
from interventions.services.queue import TransitionError, intervention_send, interventions_expire
from interventions.tests.factories import InterventionFactory, SupportCallFactory
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_sending_a_personal_call_puts_one_call_on_the_list_and_tells_the_customer():
    # given an approved personal call
    intervention = InterventionFactory(
        action=InterventionAction.PERSONAL_CALL, status=InterventionStatus.APPROVED, discount_amount=0
    )

    # when it is sent, then sent again (a task retry)
    intervention_send(intervention_id=intervention.pk)
    intervention_send(intervention_id=intervention.pk)

    # then one call, due within the two days the message promises, and one message
    call = SupportCall.objects.get()
    assert (call.intervention, call.customer, call.status) == (intervention, intervention.customer, CallStatus.TO_CALL)
    assert timezone.now() + dt.timedelta(days=2) - call.due_by < dt.timedelta(minutes=1)
    assert Notification.objects.filter(intervention=intervention).count() == 1


def test_other_actions_make_no_call():
    intervention = InterventionFactory(status=InterventionStatus.APPROVED)

    intervention_send(intervention_id=intervention.pk)

    assert not SupportCall.objects.exists()


def test_reaching_the_customer_closes_the_call_and_is_audited():
    # given
    call, caller = SupportCallFactory(), StaffUserFactory(username="shirin")

    # when
    support_call_log(call_id=call.pk, user=caller, reached=True, note="Unhappy with the last AC technician.")

    # then
    call.refresh_from_db()
    assert (call.status, call.attempts, call.assigned_to) == (CallStatus.REACHED, 1, caller)
    assert call.note == "Unhappy with the last AC technician."
    assert call.closed_at is not None
    event = call.intervention.events.get()
    assert (event.actor, event.note) == (caller, "call reached: Unhappy with the last AC technician.")


def test_unanswered_calls_stay_open_until_the_last_attempt():
    # given
    call, caller = SupportCallFactory(), StaffUserFactory()

    # when / then
    for attempt in range(1, MAX_ATTEMPTS + 1):
        support_call_log(call_id=call.pk, user=caller, reached=False)
        call.refresh_from_db()
        assert call.attempts == attempt
        assert call.status == (CallStatus.NO_ANSWER if attempt == MAX_ATTEMPTS else CallStatus.TO_CALL)
    assert [event.note for event in call.intervention.events.order_by("pk")] == [
        f"call no answer ({n} of {MAX_ATTEMPTS})" for n in range(1, MAX_ATTEMPTS + 1)
    ]


@pytest.mark.parametrize("closed", [CallStatus.REACHED, CallStatus.NO_ANSWER, CallStatus.MISSED])
def test_a_closed_call_cannot_be_logged_or_claimed_and_is_unchanged(closed):
    call = SupportCallFactory(status=closed, attempts=1)

    for change in (
        lambda: support_call_log(call_id=call.pk, user=StaffUserFactory(), reached=True),
        lambda: support_call_claim(call_id=call.pk, user=StaffUserFactory()),
    ):
        with pytest.raises(TransitionError, match=rf"call {call.pk} is closed"):
            change()

    call.refresh_from_db()
    assert (call.status, call.attempts, call.assigned_to) == (closed, 1, None)
    assert not call.intervention.events.exists()


def test_claiming_puts_the_call_on_my_list():
    call, me = SupportCallFactory(assigned_to=StaffUserFactory()), StaffUserFactory()

    support_call_claim(call_id=call.pk, user=me)

    call.refresh_from_db()
    assert call.assigned_to == me


def test_a_call_nobody_made_before_the_offer_expired_is_missed():
    # given a sent personal call whose offer has expired
    call = SupportCallFactory(intervention__expires_at=timezone.now() - dt.timedelta(hours=1))
    reached = SupportCallFactory(
        status=CallStatus.REACHED, intervention__expires_at=timezone.now() - dt.timedelta(hours=1)
    )

    # when
    interventions_expire()

    # then
    call.refresh_from_db()
    reached.refresh_from_db()
    assert (call.status, call.intervention.status) == (CallStatus.MISSED, InterventionStatus.EXPIRED)
    assert reached.status == CallStatus.REACHED


def test_a_personal_call_cannot_be_given_a_discount_at_approval():
    from decimal import Decimal

    from django.core.exceptions import ValidationError

    from interventions.services.queue import intervention_approve

    intervention = InterventionFactory(action=InterventionAction.PERSONAL_CALL, discount_amount=0)

    with pytest.raises(ValidationError, match="between Tk 0 and Tk 0"):
        intervention_approve(intervention_id=intervention.pk, user=StaffUserFactory(), discount_amount=Decimal("100"))

    intervention.refresh_from_db()
    assert (intervention.status, intervention.discount_amount) == (InterventionStatus.PROPOSED, 0)
