"""The approval queue: propose interventions for at-risk customers, approve or reject them, and track their state.

Every change of state locks the row, checks the state it starts from, and writes an audit event, so approving twice
sends once and a redeemed intervention cannot be rejected.
"""

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from interventions.messages import offer_body, render_offer
from interventions.models import (
    Intervention,
    InterventionAction,
    InterventionEvent,
    InterventionSettings,
    InterventionStatus,
)
from interventions.services.calls import support_call_create, support_calls_close_expired
from interventions.services.states import TransitionError, audit, transition
from mlcore.offers import OfferPolicy, value_if_retained
from mlcore.offers import discount_cap as offer_discount_cap
from notifications.services import notification_create, notification_enqueue
from payments.models import Redemption
from payments.services.codes import discount_code_deactivate, discount_code_issue
from sheba_retention.common.tasks import BrokerUnavailable, task_enqueue

logger = logging.getLogger(__name__)


def discount_cap(intervention: Intervention, settings_row: InterventionSettings) -> Decimal:
    """The largest discount staff may approve: the engine's cap (the settings' largest discount, and a share of the
    lower bound of the customer's value if retained). A personal call carries no discount: it is a conversation, and a
    code would let it be redeemed and leave its call on the list."""
    prediction = intervention.prediction
    if intervention.action == InterventionAction.PERSONAL_CALL:
        return Decimal("0")
    if prediction is None:
        value_low = 0.0
    else:
        _, value_low = value_if_retained(
            float(prediction.ltv or 0), float(prediction.ltv_low_if_retained or 0), intervention.churn_probability
        )
    caps = OfferPolicy(
        max_discount_amount=float(settings_row.max_discount_amount), ltv_discount_share=settings_row.ltv_discount_share
    )
    cap = offer_discount_cap(value_low, caps)
    return Decimal(str(cap)).quantize(Decimal("1"), rounding=ROUND_FLOOR)


class DiscountAboveCap(ValidationError):
    """The discount is outside what staff may give this customer; `cap` is the largest allowed (Tk)."""

    def __init__(self, message: str, *, cap: Decimal) -> None:
        super().__init__(message, code="discount_above_cap")
        self.cap = cap


def intervention_discount_check(*, intervention: Intervention, discount_amount: Decimal) -> None:
    """DiscountAboveCap unless staff may set this discount: the one rule for approving and for editing a proposal."""
    settings_row = InterventionSettings.load()
    cap = discount_cap(intervention, settings_row)
    if discount_amount < 0 or discount_amount > cap:
        raise DiscountAboveCap(
            f"the discount must be between Tk 0 and Tk {cap:,} for this customer (the settings' cap and "
            f"{settings_row.ltv_discount_share:.0%} of what they spend at least if they stay)",
            cap=cap,
        )


@transaction.atomic
def intervention_approve(
    *,
    intervention_id: int,
    user: User,
    discount_amount: Decimal | None = None,
    now: dt.datetime | None = None,
    enqueue_send: bool = True,
) -> Intervention:
    """Approve a proposal (optionally with a different discount within the caps) and queue it for sending.

    `now`: the moment of the decision (default now). `enqueue_send=False` leaves the sending to the caller
    (interventions_send_approved, as after a broker outage): a replayed night sends with its own moment."""
    intervention = (
        Intervention.objects.select_for_update(of=("self",)).select_related("prediction").get(pk=intervention_id)
    )
    # The state first (a second click is a conflict, not a discount error); a refused discount below rolls the
    # transition and its audit event back with the transaction.
    now = now or timezone.now()
    transition(
        intervention, InterventionStatus.APPROVED, allowed_from=(InterventionStatus.PROPOSED,), actor=user, at=now
    )
    if discount_amount is not None and discount_amount != intervention.discount_amount:
        intervention_discount_check(intervention=intervention, discount_amount=discount_amount)
        intervention.discount_amount = discount_amount
    intervention.decided_by, intervention.decided_at = user, now
    intervention.save(update_fields=["status", "discount_amount", "decided_by", "decided_at", "updated_at"])
    if enqueue_send:
        transaction.on_commit(lambda: _enqueue_send(intervention.pk), robust=True)
    return intervention


@transaction.atomic
def intervention_update(
    *,
    intervention_id: int,
    user: User,
    discount_amount: Decimal | None = None,
    message_en: str | None = None,
    message_bn: str | None = None,
) -> Intervention:
    """Change a proposal before it is decided: its discount (within the caps) or the wording of its messages.

    Only a proposed intervention can change (TransitionError otherwise); what changed is written to its audit trail.
    Arguments left None stay as they are.
    """
    intervention = (
        Intervention.objects.select_for_update(of=("self",)).select_related("prediction").get(pk=intervention_id)
    )
    if intervention.status != InterventionStatus.PROPOSED:
        raise TransitionError(
            f"intervention {intervention.pk} is {intervention.get_status_display().lower()}; only a proposed one "
            "can be changed",
            code="invalid_state",
        )
    changes, fields = [], []
    if discount_amount is not None and discount_amount != intervention.discount_amount:
        intervention_discount_check(intervention=intervention, discount_amount=discount_amount)
        changes.append(f"discount Tk {intervention.discount_amount:,.0f} → Tk {discount_amount:,.0f}")
        intervention.discount_amount = discount_amount
        fields.append("discount_amount")
    for field, text, label in (("message_en", message_en, "English"), ("message_bn", message_bn, "Bengali")):
        if text is not None and text != getattr(intervention, field):
            if not text.strip():
                raise ValidationError(f"the {label} message cannot be empty", code="blank_message")
            setattr(intervention, field, text)
            fields.append(field)
            changes.append(f"{label} message reworded")
    if not fields:
        return intervention
    intervention.full_clean(exclude=["customer", "prediction", "service", "decided_by"])
    intervention.save(update_fields=[*fields, "updated_at"])
    audit(intervention, actor=user, note="edited: " + "; ".join(changes))
    return intervention


def _enqueue_send(intervention_id: int) -> None:
    from interventions.tasks import send_intervention_task

    try:
        task_enqueue(send_intervention_task, intervention_id)
    except BrokerUnavailable:
        # The approval stands; the nightly run sends what is approved but unsent (interventions_send_approved).
        logger.warning("intervention %s is approved; it is sent once the task queue is back", intervention_id)


@dataclass
class BulkDecision:
    decided: list[Intervention]
    refused: dict[int, str]  # intervention id -> why (unknown id, wrong state, ...)


def interventions_decide(*, intervention_ids, decide) -> BulkDecision:
    """Apply `decide(intervention_id)` (approve or reject) to each id, each in its own transaction, so one refusal
    does not undo the others. Used by the admin's bulk actions and the API's bulk requests."""
    result = BulkDecision(decided=[], refused={})
    for intervention_id in dict.fromkeys(intervention_ids):
        try:
            result.decided.append(decide(intervention_id))
        except Intervention.DoesNotExist:
            result.refused[intervention_id] = f"intervention {intervention_id} does not exist"
        except ValidationError as exc:
            result.refused[intervention_id] = " ".join(exc.messages)
    return result


@transaction.atomic
def intervention_reject(
    *, intervention_id: int, user: User, reason: str = "", now: dt.datetime | None = None
) -> Intervention:
    """Refuse a proposal (`now`: the moment of the decision, default now)."""
    now = now or timezone.now()
    intervention = Intervention.objects.select_for_update().get(pk=intervention_id)
    transition(
        intervention,
        InterventionStatus.REJECTED,
        allowed_from=(InterventionStatus.PROPOSED,),
        actor=user,
        note=reason,
        at=now,
    )
    intervention.decided_by, intervention.decided_at = user, now
    intervention.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    return intervention


def intervention_code_redeemed(redemption: Redemption) -> None:
    """Payments' redemption listener (registered in InterventionsConfig.ready): a redeemed code of an intervention
    marks the intervention redeemed, in the redemption's transaction, so a refusal here undoes the redemption."""
    if redemption.code.intervention_id is not None:
        intervention_mark_redeemed(intervention_id=redemption.code.intervention_id, redeemed_at=redemption.redeemed_at)


@transaction.atomic
def intervention_mark_redeemed(*, intervention_id: int, redeemed_at: dt.datetime | None = None) -> Intervention:
    """The intervention's code was redeemed: sent → redeemed; a second redemption changes nothing."""
    intervention = Intervention.objects.select_for_update().get(pk=intervention_id)
    if intervention.status == InterventionStatus.REDEEMED:
        return intervention
    intervention.redeemed_at = redeemed_at or timezone.now()
    transition(
        intervention, InterventionStatus.REDEEMED, allowed_from=(InterventionStatus.SENT,), at=intervention.redeemed_at
    )
    intervention.save(update_fields=["status", "redeemed_at", "updated_at"])
    return intervention


def interventions_expire(*, now: dt.datetime | None = None, proposal_days: int = 7) -> dict[str, int]:
    """Sent offers past their expiry, and proposals nobody decided on within `proposal_days`, become expired."""
    now = now or timezone.now()
    counts = {"sent": 0, "proposed": _proposals_expire(before=now - dt.timedelta(days=proposal_days), now=now)}
    stale = Intervention.objects.filter(status=InterventionStatus.SENT, expires_at__lt=now)
    for pk in stale.values_list("pk", flat=True):
        with transaction.atomic():
            intervention = Intervention.objects.select_for_update().get(pk=pk)
            if intervention.status != InterventionStatus.SENT:
                continue  # changed since the query: it was redeemed
            counts["sent"] += 1
            _deactivate_codes(intervention)
            support_calls_close_expired(intervention=intervention, now=now)
            transition(
                intervention,
                InterventionStatus.EXPIRED,
                allowed_from=(InterventionStatus.SENT,),
                note="offer expired",
                at=now,
            )
            intervention.save(update_fields=["status", "updated_at"])
    return counts


@transaction.atomic
def _proposals_expire(*, before: dt.datetime, now: dt.datetime) -> int:
    """Proposals made before `before` that nobody decided on become expired, all at once: nothing else goes with
    them (no code, no message, no call), so one locked read, one update and one insert of their audit rows do it
    (every night there are thousands: the engine proposes to every at-risk customer)."""
    undecided = list(
        Intervention.objects.select_for_update()
        .filter(status=InterventionStatus.PROPOSED, created_at__lt=before)
        .values_list("pk", flat=True)
    )
    for first in range(0, len(undecided), 900):  # SQLite allows 999 parameters per statement
        part = undecided[first : first + 900]
        Intervention.objects.filter(pk__in=part, status=InterventionStatus.PROPOSED).update(
            status=InterventionStatus.EXPIRED, updated_at=now
        )
    InterventionEvent.objects.bulk_create(
        [
            InterventionEvent(
                intervention_id=pk,
                from_status=InterventionStatus.PROPOSED,
                to_status=InterventionStatus.EXPIRED,
                note="not decided in time",
                at=now,
            )
            for pk in undecided
        ],
        batch_size=1000,
    )
    return len(undecided)


@transaction.atomic
def intervention_send(*, intervention_id: int, now: dt.datetime | None = None) -> Intervention:
    """Issue the code, write the message in the customer's language and queue it; an approved intervention only.

    Safe to repeat (a task retry, a second approval click): an intervention that has been sent is returned as it is,
    and the notification is made once per intervention and channel.
    """
    intervention = (
        # Lock only the intervention: PostgreSQL cannot lock the nullable side of the joined rows.
        Intervention.objects.select_for_update(of=("self",))
        .select_related("customer", "service", "prediction")
        .get(pk=intervention_id)
    )
    if intervention.status in (InterventionStatus.SENT, InterventionStatus.REDEEMED, InterventionStatus.EXPIRED):
        return intervention
    if intervention.status != InterventionStatus.APPROVED:
        raise TransitionError(
            f"intervention {intervention.pk} is {intervention.get_status_display().lower()}: only an approved one "
            "is sent",
            code="invalid_state",
        )
    settings_row = InterventionSettings.load()
    now = now or timezone.now()  # a replayed night sends with its own moment
    expires = now + dt.timedelta(days=settings_row.offer_valid_days)
    code = ""
    if intervention.discount_amount > 0:
        issued = discount_code_issue(
            customer=intervention.customer,
            intervention=intervention,
            kind="amount",
            value=intervention.discount_amount,
            valid_days=settings_row.offer_valid_days,
            now=now,
        )
        code, expires = issued.code, issued.expires_at  # the offers endpoint renders from the code: the same day
    until = timezone.localtime(expires).date()
    subject = _subjects(intervention)
    notification = notification_create(
        customer=intervention.customer,
        intervention=intervention,
        subject_en=subject.subject_en,
        subject_bn=subject.subject_bn,
        body_en=offer_body(intervention=intervention, language="en", code=code, until=until),
        body_bn=offer_body(intervention=intervention, language="bn", code=code, until=until),
    )
    notification_enqueue(notification=notification)
    if intervention.action == InterventionAction.PERSONAL_CALL:
        support_call_create(intervention=intervention, now=now)
    transition(intervention, InterventionStatus.SENT, allowed_from=(InterventionStatus.APPROVED,), note=code, at=now)
    intervention.sent_at, intervention.expires_at = now, expires
    intervention.save(update_fields=["status", "sent_at", "expires_at", "updated_at"])
    return intervention


def _deactivate_codes(intervention: Intervention) -> None:
    """An expired offer's codes stop working with it."""
    for code in intervention.discount_codes.filter(is_active=True):
        discount_code_deactivate(code=code)


def _subjects(intervention: Intervention):
    return render_offer(
        action=intervention.action,
        customer_name=intervention.customer.name,
        amount=float(intervention.discount_amount),
        service=intervention.service,
        tier=intervention.prediction.loyalty_tier if intervention.prediction else "",
    )


def interventions_send_approved(*, now: dt.datetime | None = None) -> int:
    """Send approved interventions whose send never ran (a broker outage when they were approved); `now`: the moment
    they are sent (default now)."""
    sent = 0
    for pk in Intervention.objects.filter(status=InterventionStatus.APPROVED).values_list("pk", flat=True):
        intervention_send(intervention_id=pk, now=now)
        sent += 1
    return sent
