"""The intervention state machine: a change of state starts from an allowed state, and every change leaves an
audit row (a change of state, or a note on one that stays: an edit, a call attempt)."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone

from interventions.models import Intervention, InterventionEvent, InterventionStatus


class TransitionError(ValidationError):
    """The intervention is not in a state that allows this change."""


def transition(
    intervention: Intervention,
    to: str,
    *,
    allowed_from: tuple[str, ...],
    actor=None,
    note: str = "",
    at: dt.datetime | None = None,
) -> Intervention:
    """Move `intervention` to `to` (TransitionError unless it is in one of `allowed_from`) and write the audit row;
    `at`: the moment of the change (default now; a replayed night passes its own)."""
    if intervention.status not in allowed_from:
        sources = " or ".join(str(InterventionStatus(state).label).lower() for state in allowed_from)
        raise TransitionError(
            f"intervention {intervention.pk} is {intervention.get_status_display().lower()}; only a {sources} one "
            f"can become {str(InterventionStatus(to).label).lower()}",
            code="invalid_state",
        )
    InterventionEvent.objects.create(
        intervention=intervention,
        from_status=intervention.status,
        to_status=to,
        actor=actor,
        note=note[:255],
        at=at or timezone.now(),
    )
    intervention.status = to
    return intervention


def audit(intervention: Intervention, *, actor, note: str) -> InterventionEvent:
    """An audit row for a change that leaves the state as it is (from and to are the current state)."""
    return InterventionEvent.objects.create(
        intervention=intervention,
        from_status=intervention.status,
        to_status=intervention.status,
        actor=actor,
        note=note[:255],
    )
