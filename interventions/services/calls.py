"""The support call list: a sent "personal call" intervention becomes a call for support staff to make.

The customer's message says the team will call within two days (CALL_WITHIN); a call is open until someone reaches
the customer, MAX_ATTEMPTS calls go unanswered, or the intervention expires. Every attempt is written to the
intervention's audit trail with who made it.
"""

import datetime as dt

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from interventions.models import CallStatus, Intervention, SupportCall
from interventions.services.states import TransitionError, audit

CALL_WITHIN = dt.timedelta(days=2)
MAX_ATTEMPTS = 3


def support_call_create(*, intervention: Intervention, now: dt.datetime | None = None) -> SupportCall:
    """The call for a sent personal-call intervention (sent at `now`, default now); made once however often sending
    is repeated."""
    call, _ = SupportCall.objects.get_or_create(
        intervention=intervention,
        defaults={"customer_id": intervention.customer_id, "due_by": (now or timezone.now()) + CALL_WITHIN},
    )
    return call


def _locked_open(call_id: int) -> SupportCall:
    call = SupportCall.objects.select_for_update().get(pk=call_id)
    if call.status != CallStatus.TO_CALL:
        raise TransitionError(
            f"call {call.pk} is closed ({call.get_status_display().lower()}); only an open call can be changed",
            code="invalid_state",
        )
    return call


@transaction.atomic
def support_call_claim(*, call_id: int, user: User) -> SupportCall:
    """Put an open call on `user`'s list (taking it over from whoever had it)."""
    call = _locked_open(call_id)
    call.assigned_to = user
    call.save(update_fields=["assigned_to", "updated_at"])
    return call


@transaction.atomic
def support_call_log(*, call_id: int, user: User, reached: bool, note: str = "") -> SupportCall:
    """Record one attempt: reached closes the call; the MAX_ATTEMPTS-th unanswered one gives up."""
    call = _locked_open(call_id)
    now = timezone.now()
    call.attempts += 1
    call.last_attempt_at = now
    call.assigned_to = call.assigned_to or user
    if note:
        call.note = f"{call.note}\n{note}".strip()
    if reached:
        call.status, call.closed_at = CallStatus.REACHED, now
    elif call.attempts >= MAX_ATTEMPTS:
        call.status, call.closed_at = CallStatus.NO_ANSWER, now
    call.save(update_fields=["attempts", "last_attempt_at", "assigned_to", "note", "status", "closed_at", "updated_at"])
    outcome = "reached" if reached else f"no answer ({call.attempts} of {MAX_ATTEMPTS})"
    audit(call.intervention, actor=user, note=f"call {outcome}" + (f": {note}" if note else ""))
    return call


def support_calls_close_expired(*, intervention: Intervention, now: dt.datetime | None = None) -> int:
    """An expired intervention's open call is missed: nobody called in time. Runs inside the expiry's transaction."""
    now = now or timezone.now()
    return SupportCall.objects.filter(intervention=intervention, status=CallStatus.TO_CALL).update(
        status=CallStatus.MISSED, closed_at=now, updated_at=now
    )
