"""The approval queue: propose interventions for at-risk customers, approve or reject them, and track their state.

Every change of state locks the row, checks the state it starts from, and writes an audit event, so approving twice
sends once and a redeemed intervention cannot be rejected.
"""

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

import pandas as pd
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from customers.models import Booking, BookingStatus, Service
from interventions.messages import CODE_PLACEHOLDER, fill_placeholders, render
from interventions.models import (
    OPEN_STATUSES,
    Intervention,
    InterventionEvent,
    InterventionSettings,
    InterventionStatus,
)
from mlcore.offers import RECOVERY, OfferPolicy, if_retained, in_control_group, propose
from mlcore.offers import discount_cap as offer_discount_cap
from mlcore.recommend import service_similarity_fit
from predictions.models import Prediction, ScoringSettings
from predictions.selectors import latest_as_of
from sheba_retention.common.bulk import read_frame

logger = logging.getLogger(__name__)


class TransitionError(ValidationError):
    """The intervention is not in a state that allows this change."""


@dataclass(frozen=True)
class ProposalRun:
    as_of: dt.date
    eligible: int
    proposed: int
    control: int
    not_paying: int
    skipped_open_or_recent: int


def policy_from(settings_row: InterventionSettings, scoring: ScoringSettings) -> OfferPolicy:
    """The engine's policy: the settings, with uplift learned from outcomes where there are any (else the priors)."""
    learned = {estimate.key: estimate.uplift for estimate in uplift_estimates()}
    return OfferPolicy(
        max_discount_amount=float(settings_row.max_discount_amount),
        ltv_discount_share=settings_row.ltv_discount_share,
        message_cost=float(settings_row.message_cost),
        call_cost=float(settings_row.call_cost),
        min_roi=settings_row.min_roi,
        margin_rate=settings_row.margin_rate,
        critical_from=scoring.critical_risk_from,
        uplift={**(settings_row.uplift_priors or {}), **learned},
    )


def _spend_and_services(customer_pks: list[int]) -> tuple[pd.Series, dict[int, list[str]]]:
    """Average net spend per completed booking, and the services each customer booked."""
    rows = Booking.objects.filter(customer_id__in=customer_pks, status=BookingStatus.COMPLETED).values_list(
        "customer_id", "service__slug", "amount", "discount"
    )
    frame = pd.DataFrame(list(rows), columns=["customer_id", "service", "amount", "discount"])
    if frame.empty:
        return pd.Series(dtype=float), {}
    frame["net"] = frame["amount"].astype(float) - frame["discount"].astype(float)
    spend = frame.groupby("customer_id")["net"].mean()
    booked = frame.groupby("customer_id")["service"].agg(lambda services: sorted(set(services))).to_dict()
    return spend, booked


def _complained_services(customer_pks: list[int]) -> dict[int, str]:
    """The service of each customer's latest complaint about a booking."""
    from customers.models import Complaint

    latest: dict[int, str] = {}
    rows = (
        Complaint.objects.filter(customer_id__in=customer_pks, booking__isnull=False)
        .order_by("customer_id", "created_at")
        .values_list("customer_id", "booking__service__slug")
    )
    for customer_pk, slug in rows:
        latest[customer_pk] = slug  # ordered by time: the last one wins
    return latest


def _service_recommendations(booked: dict[int, list[str]]) -> dict[int, str | None]:
    history = read_frame(
        "SELECT b.customer_id, s.slug FROM customers_booking b JOIN customers_service s ON s.id = b.service_id "
        "WHERE b.status = 'completed'",
        columns=["customer_id", "service"],
        texts=("service",),
    )
    if history.empty:
        return {}
    return service_similarity_fit(history).recommend(booked)


def interventions_propose(*, as_of: dt.date | None = None) -> ProposalRun:
    """Propose for every customer scored at or above the high-risk threshold on `as_of` (default: latest day).

    Customers with an open intervention, or one in the last `cooldown_days`, are skipped; a reproducible random
    share goes to the control group and is recorded but never contacted.
    """
    as_of = as_of or latest_as_of()
    if as_of is None:
        raise ValidationError("nothing has been scored yet: run `python manage.py score_customers` first")
    settings_row, scoring = InterventionSettings.load(), ScoringSettings.load()
    at_risk = Prediction.objects.filter(as_of=as_of, churn_probability__gte=scoring.high_risk_from).select_related(
        "customer"
    )
    recent = timezone.now() - dt.timedelta(days=settings_row.cooldown_days)
    busy = set(
        Intervention.objects.filter(Q(status__in=OPEN_STATUSES) | Q(created_at__gte=recent)).values_list(
            "customer_id", flat=True
        )
    )
    predictions = [prediction for prediction in at_risk if prediction.customer_id not in busy]
    skipped = at_risk.count() - len(predictions)
    if not predictions:
        return ProposalRun(as_of, 0, 0, 0, 0, skipped)

    spend, booked = _spend_and_services([prediction.customer_id for prediction in predictions])
    frame = pd.DataFrame(
        {
            "churn_probability": [prediction.churn_probability for prediction in predictions],
            "segment": [prediction.segment for prediction in predictions],
            "loyalty_tier": [prediction.loyalty_tier for prediction in predictions],
            "ltv": [float(prediction.ltv or 0) for prediction in predictions],
            "ltv_low_if_retained": [float(prediction.ltv_low_if_retained or 0) for prediction in predictions],
            "reasons": [prediction.reasons for prediction in predictions],
        },
        index=[prediction.customer_id for prediction in predictions],
    )
    frame["spend_avg"] = spend.reindex(frame.index).fillna(0.0)
    proposals = propose(frame, policy_from(settings_row, scoring))
    by_customer = {prediction.customer_id: prediction for prediction in predictions}
    external_ids = pd.Series({pk: by_customer[pk].customer.external_id for pk in proposals.index}, dtype=object)
    control = in_control_group(external_ids, settings_row.control_share, settings_row.control_salt)
    recommended = _service_recommendations({pk: booked.get(pk, []) for pk in proposals.index})
    complained = _complained_services(list(proposals.index))
    services = {service.slug: service for service in Service.objects.all()}

    rows = []
    for pk, proposal in proposals.iterrows():
        prediction = by_customer[pk]
        if proposal["action"] == RECOVERY and pk in complained:
            slug = complained[pk]  # make good the service that went wrong, not a new one
        else:
            slug = recommended.get(pk) or (booked.get(pk) or ["other"])[0]
        service = services.get(slug)
        message = render(
            action=proposal["action"],
            name=prediction.customer.name.split(" ")[0] if prediction.customer.name else "",
            amount=proposal["discount_amount"],
            code=CODE_PLACEHOLDER,
            until=None,
            service=service.name if service else "home service",
            service_bn=service.name_bn if service else "হোম সার্ভিস",
            price=float(service.min_price) if service else 0.0,
            tier=prediction.loyalty_tier,
            amount_placeholder=True,
        )
        rows.append(
            Intervention(
                customer_id=pk,
                prediction=prediction,
                as_of=as_of,
                action=proposal["action"],
                service=service,
                addresses_reason=proposal["addresses_reason"],
                message_en=message.body_en,
                message_bn=message.body_bn,
                discount_amount=Decimal(str(proposal["discount_amount"])),
                churn_probability=prediction.churn_probability,
                expected_retention_uplift=proposal["uplift"],
                expected_cost=Decimal(str(proposal["cost"])),
                expected_net_benefit=Decimal(str(proposal["net_benefit"])),
                expected_roi=proposal["roi"],
                risk_adjusted_roi=proposal["risk_adjusted_roi"],
                status=InterventionStatus.CONTROL if control[pk] else InterventionStatus.PROPOSED,
            )
        )
    with transaction.atomic():
        created = Intervention.objects.bulk_create(rows, batch_size=1000)
        InterventionEvent.objects.bulk_create(
            [
                InterventionEvent(intervention=row, from_status="", to_status=row.status, note="proposed")
                for row in created
            ],
            batch_size=1000,
        )
    n_control = int(control.sum())
    return ProposalRun(
        as_of=as_of,
        eligible=len(predictions),
        proposed=len(created) - n_control,
        control=n_control,
        not_paying=len(predictions) - len(proposals),
        skipped_open_or_recent=skipped,
    )


def _transition(
    intervention: Intervention, to: str, *, allowed_from: tuple[str, ...], actor=None, note: str = ""
) -> Intervention:
    if intervention.status not in allowed_from:
        sources = " or ".join(str(InterventionStatus(state).label).lower() for state in allowed_from)
        raise TransitionError(
            f"intervention {intervention.pk} is {intervention.get_status_display().lower()}; only a {sources} one "
            f"can become {str(InterventionStatus(to).label).lower()}",
            code="invalid_state",
        )
    InterventionEvent.objects.create(
        intervention=intervention, from_status=intervention.status, to_status=to, actor=actor, note=note[:255]
    )
    intervention.status = to
    return intervention


def discount_cap(intervention: Intervention, settings_row: InterventionSettings) -> Decimal:
    """The largest discount staff may approve: the engine's cap (the settings' largest discount, and a share of the
    lower bound of the customer's value if retained)."""
    prediction = intervention.prediction
    if prediction is None:
        value_low = 0.0
    else:
        value = if_retained(float(prediction.ltv or 0), intervention.churn_probability)
        value_low = min(float(prediction.ltv_low_if_retained or 0), value)
    caps = OfferPolicy(
        max_discount_amount=float(settings_row.max_discount_amount), ltv_discount_share=settings_row.ltv_discount_share
    )
    cap = offer_discount_cap(value_low, caps)
    return Decimal(str(cap)).quantize(Decimal("1"), rounding=ROUND_FLOOR)


@transaction.atomic
def intervention_approve(
    *, intervention_id: int, user: AbstractBaseUser, discount_amount: Decimal | None = None
) -> Intervention:
    """Approve a proposal (optionally with a different discount within the caps) and queue it for sending."""
    intervention = (
        Intervention.objects.select_for_update(of=("self",)).select_related("prediction").get(pk=intervention_id)
    )
    if intervention.status != InterventionStatus.PROPOSED:  # the state first: a second click is a conflict
        _transition(intervention, InterventionStatus.APPROVED, allowed_from=(InterventionStatus.PROPOSED,), actor=user)
    if discount_amount is not None and discount_amount != intervention.discount_amount:
        settings_row = InterventionSettings.load()
        cap = discount_cap(intervention, settings_row)
        if discount_amount < 0 or discount_amount > cap:
            raise ValidationError(
                f"the discount must be between Tk 0 and Tk {cap:,} for this customer (the settings' cap and "
                f"{settings_row.ltv_discount_share:.0%} of what they spend at least if they stay)",
                code="discount_above_cap",
            )
        intervention.discount_amount = discount_amount
    _transition(intervention, InterventionStatus.APPROVED, allowed_from=(InterventionStatus.PROPOSED,), actor=user)
    intervention.decided_by, intervention.decided_at = user, timezone.now()
    intervention.save(update_fields=["status", "discount_amount", "decided_by", "decided_at", "updated_at"])
    transaction.on_commit(lambda: _enqueue_send(intervention.pk), robust=True)
    return intervention


def _enqueue_send(intervention_id: int) -> None:
    from interventions.tasks import send_intervention_task

    send_intervention_task.delay(intervention_id)


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
def intervention_reject(*, intervention_id: int, user: AbstractBaseUser, reason: str = "") -> Intervention:
    intervention = Intervention.objects.select_for_update().get(pk=intervention_id)
    _transition(
        intervention, InterventionStatus.REJECTED, allowed_from=(InterventionStatus.PROPOSED,), actor=user, note=reason
    )
    intervention.decided_by, intervention.decided_at = user, timezone.now()
    intervention.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    return intervention


@transaction.atomic
def intervention_mark_redeemed(*, intervention_id: int, redeemed_at: dt.datetime | None = None) -> Intervention:
    """Called by payments when the intervention's code is redeemed; a second redemption changes nothing."""
    intervention = Intervention.objects.select_for_update().get(pk=intervention_id)
    if intervention.status == InterventionStatus.REDEEMED:
        return intervention
    _transition(intervention, InterventionStatus.REDEEMED, allowed_from=(InterventionStatus.SENT,))
    intervention.redeemed_at = redeemed_at or timezone.now()
    intervention.save(update_fields=["status", "redeemed_at", "updated_at"])
    return intervention


def interventions_expire(*, now: dt.datetime | None = None, proposal_days: int = 7) -> dict[str, int]:
    """Sent offers past their expiry, and proposals nobody decided on within `proposal_days`, become expired."""
    now = now or timezone.now()
    counts = {"sent": 0, "proposed": 0}
    stale = Q(status=InterventionStatus.SENT, expires_at__lt=now) | Q(
        status=InterventionStatus.PROPOSED, created_at__lt=now - dt.timedelta(days=proposal_days)
    )
    for pk in Intervention.objects.filter(stale).values_list("pk", flat=True):
        with transaction.atomic():
            intervention = Intervention.objects.select_for_update().get(pk=pk)
            if intervention.status not in (InterventionStatus.SENT, InterventionStatus.PROPOSED):
                continue  # changed since the query: someone approved or it was redeemed
            counts[intervention.status] += 1
            if intervention.status == InterventionStatus.SENT:
                _deactivate_codes(intervention)
            _transition(
                intervention,
                InterventionStatus.EXPIRED,
                allowed_from=(InterventionStatus.SENT, InterventionStatus.PROPOSED),
                note="offer expired" if intervention.status == InterventionStatus.SENT else "not decided in time",
            )
            intervention.save(update_fields=["status", "updated_at"])
    return counts


@transaction.atomic
def intervention_send(*, intervention_id: int) -> Intervention:
    """Issue the code, write the message in the customer's language and queue it; an approved intervention only.

    Safe to repeat (a task retry, a second approval click): an intervention that has been sent is returned as it is,
    and the notification is made once per intervention and channel.
    """
    from notifications.services import notification_create, notification_enqueue
    from payments.services.codes import discount_code_issue

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
    now = timezone.now()
    expires = now + dt.timedelta(days=settings_row.offer_valid_days)
    code = ""
    if intervention.discount_amount > 0:
        code = discount_code_issue(
            customer=intervention.customer,
            intervention=intervention,
            kind="amount",
            value=intervention.discount_amount,
            valid_days=settings_row.offer_valid_days,
        ).code
    until = timezone.localtime(expires).date()
    subject = _subjects(intervention)
    notification = notification_create(
        customer=intervention.customer,
        intervention=intervention,
        subject_en=subject.subject_en,
        subject_bn=subject.subject_bn,
        body_en=fill_placeholders(
            intervention.message_en, code=code, until=until, amount=intervention.discount_amount, bengali=False
        ),
        body_bn=fill_placeholders(
            intervention.message_bn, code=code, until=until, amount=intervention.discount_amount, bengali=True
        ),
    )
    notification_enqueue(notification=notification)
    _transition(intervention, InterventionStatus.SENT, allowed_from=(InterventionStatus.APPROVED,), note=code)
    intervention.sent_at, intervention.expires_at = now, expires
    intervention.save(update_fields=["status", "sent_at", "expires_at", "updated_at"])
    return intervention


def _deactivate_codes(intervention: Intervention) -> None:
    """An expired offer's codes stop working with it."""
    from payments.services.codes import discount_code_deactivate

    for code in intervention.discount_codes.filter(is_active=True):
        discount_code_deactivate(code=code)


def _subjects(intervention: Intervention):
    service = intervention.service
    return render(
        action=intervention.action,
        name=intervention.customer.name.split(" ")[0] if intervention.customer.name else "",
        amount=float(intervention.discount_amount),
        code=CODE_PLACEHOLDER,
        until=None,
        service=service.name if service else "home service",
        service_bn=service.name_bn if service else "হোম সার্ভিস",
        price=float(service.min_price) if service else 0.0,
        tier=intervention.prediction.loyalty_tier if intervention.prediction else "",
    )


TREATED = (InterventionStatus.SENT, InterventionStatus.REDEEMED, InterventionStatus.EXPIRED)
SHRINK_TOWARDS_PRIOR = 200  # outcomes it takes for the measured uplift to weigh as much as the prior


def interventions_track_outcomes(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Retained or churned, once a churn window has passed since the offer went out (or was held back).

    Retained means a completed booking within the window: the same definition the churn model predicts, so treated
    and control customers are judged alike. Control rows start when they were proposed, treated ones when sent.
    """
    from django.db.models import DateTimeField, Exists, ExpressionWrapper, OuterRef
    from django.db.models.functions import Coalesce

    from customers.models import Booking as BookingModel

    now = now or timezone.now()
    window = dt.timedelta(days=ScoringSettings.load().churn_window_days)
    start = Coalesce("sent_at", "created_at")
    due = (
        Intervention.objects.filter(outcome="pending", status__in=[*TREATED, InterventionStatus.CONTROL])
        .annotate(started=start, ends=ExpressionWrapper(start + window, output_field=DateTimeField()))
        .filter(ends__lte=now)
    )
    booked = BookingModel.objects.filter(
        customer=OuterRef("customer"),
        status=BookingStatus.COMPLETED,
        booked_at__gte=OuterRef("started"),
        booked_at__lt=OuterRef("ends"),
    )
    flagged = dict(due.annotate(came_back=Exists(booked)).values_list("pk", "came_back"))
    retained = [pk for pk, came_back in flagged.items() if came_back]
    churned = [pk for pk, came_back in flagged.items() if not came_back]
    with transaction.atomic():
        Intervention.objects.filter(pk__in=retained).update(outcome="retained", updated_at=now)
        Intervention.objects.filter(pk__in=churned).update(outcome="churned", updated_at=now)
    return {"retained": len(retained), "churned": len(churned)}


@dataclass(frozen=True)
class UpliftEstimate:
    action: str
    segment: str  # "" for the action across all segments
    treated: int
    control: int
    retention_treated: float
    retention_control: float
    measured_uplift: float
    prior: float
    uplift: float  # the measured uplift shrunk towards the prior by how much evidence there is

    @property
    def key(self) -> str:
        return f"{self.action}:{self.segment}" if self.segment else self.action


def uplift_estimates() -> list[UpliftEstimate]:
    """Retention of treated against control customers per action, and per action and segment, from the outcomes.

    Each measured uplift is shrunk towards its prior (the action's estimate for a segment, the configured prior for
    an action) until a few hundred outcomes make it trustworthy.
    """
    from django.db.models import Count
    from django.db.models import Q as Query

    from mlcore.offers import DEFAULT_UPLIFT

    priors = {**DEFAULT_UPLIFT, **(InterventionSettings.load().uplift_priors or {})}
    counts = {
        "treated": Count("pk", filter=Query(status__in=TREATED)),
        "treated_kept": Count("pk", filter=Query(status__in=TREATED, outcome="retained")),
        "control": Count("pk", filter=Query(status=InterventionStatus.CONTROL)),
        "control_kept": Count("pk", filter=Query(status=InterventionStatus.CONTROL, outcome="retained")),
    }
    judged = Intervention.objects.exclude(outcome="pending")
    by_action = {row["action"]: row for row in judged.values("action").annotate(**counts)}
    by_segment = judged.values("action", "prediction__segment").annotate(**counts)

    def estimate(row: dict, segment: str, prior: float) -> UpliftEstimate | None:
        if not row["treated"] or not row["control"]:
            return None
        rate_treated, rate_control = row["treated_kept"] / row["treated"], row["control_kept"] / row["control"]
        measured = rate_treated - rate_control
        evidence = min(row["treated"], row["control"])
        weight = evidence / (evidence + SHRINK_TOWARDS_PRIOR)
        return UpliftEstimate(
            action=row["action"],
            segment=segment,
            treated=row["treated"],
            control=row["control"],
            retention_treated=round(rate_treated, 4),
            retention_control=round(rate_control, 4),
            measured_uplift=round(measured, 4),
            prior=round(prior, 4),
            uplift=round(weight * measured + (1 - weight) * prior, 4),
        )

    estimates = [item for row in by_action.values() if (item := estimate(row, "", priors.get(row["action"], 0.0)))]
    overall = {item.action: item.uplift for item in estimates}
    for row in by_segment:
        if row["prediction__segment"]:
            prior = overall.get(row["action"], priors.get(row["action"], 0.0))
            if item := estimate(row, row["prediction__segment"], prior):
                estimates.append(item)
    return estimates


def interventions_send_approved() -> int:
    """Send approved interventions whose send never ran (a broker outage when they were approved)."""
    sent = 0
    for pk in Intervention.objects.filter(status=InterventionStatus.APPROVED).values_list("pk", flat=True):
        intervention_send(intervention_id=pk)
        sent += 1
    return sent


@dataclass(frozen=True)
class NightlyRun:
    as_of: dt.date
    scored: int
    proposals: ProposalRun
    sent: int
    expired: dict[str, int]
    outcomes: dict[str, int]


def nightly_run(*, as_of: dt.date | None = None) -> NightlyRun:
    """The whole nightly chain, as beat runs it: score → propose → send approved → expire → outcomes."""
    from predictions.services.scoring import customers_score

    scored = customers_score(as_of=as_of)
    proposals = interventions_propose(as_of=scored.as_of)
    sent = interventions_send_approved()
    expired = interventions_expire()
    outcomes = interventions_track_outcomes()
    logger.info("nightly run as of %s: %s scored, %s", scored.as_of, scored.scored, proposals)
    return NightlyRun(scored.as_of, scored.scored, proposals, sent, expired, outcomes)
