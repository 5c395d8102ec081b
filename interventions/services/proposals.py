"""Proposals: the engine's offer for every newly at-risk customer, with a random share held out as control."""

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from customers.models import Booking, BookingStatus, Service
from interventions.messages import render_offer
from interventions.models import (
    OPEN_STATUSES,
    Intervention,
    InterventionEvent,
    InterventionSettings,
    InterventionStatus,
)
from interventions.services.outcomes import (
    UPLIFT_CONFIG,
    uplift_estimates,
    uplift_model_fit,
    uplift_model_ready,
)
from mlcore.features import TrainingDataError, build_features, cutoff_of
from mlcore.offers import RECOVERY, OfferPolicy, in_control_group, propose
from mlcore.uplift import personal_uplifts
from predictions.models import Prediction, ScoringSettings
from predictions.selectors import history_load, latest_as_of
from sheba_retention.common.bulk import read_frame

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProposalRun:
    as_of: dt.date
    eligible: int
    proposed: int
    control: int
    not_paying: int
    skipped_open_or_recent: int
    # How expected uplift was set: "per customer (model on N outcomes)", or why the segment estimates were used.
    uplift_source: str = ""


def policy_from(
    settings_row: InterventionSettings, scoring: ScoringSettings, *, as_of: dt.date | None = None
) -> OfferPolicy:
    """The engine's policy: the settings, with uplift learned from the outcomes known on `as_of` where there are any
    (else the priors)."""
    # Estimates whose measurement carries no weight are the prior under another name: left to the prior.
    learned = {estimate.key: estimate.uplift for estimate in uplift_estimates(before=as_of) if estimate.weight > 0}
    return OfferPolicy(
        max_discount_amount=float(settings_row.max_discount_amount),
        ltv_discount_share=settings_row.ltv_discount_share,
        message_cost=float(settings_row.message_cost),
        call_cost=float(settings_row.call_cost),
        min_roi=settings_row.min_roi,
        margin_rate=settings_row.margin_rate,
        critical_from=scoring.critical_risk_from,
        uplift={**(settings_row.uplift_priors or {}), **learned},
        measured=frozenset(learned),
    )


def _spend_and_services(customer_pks: list[int], *, before: dt.date) -> tuple[pd.Series, dict[int, list[str]]]:
    """Average net spend per completed booking, and the services each customer booked, before `before`."""
    rows = Booking.objects.filter(
        customer_id__in=customer_pks, status=BookingStatus.COMPLETED, booked_at__lt=cutoff_of(before).to_pydatetime()
    ).values_list("customer_id", "service__slug", "amount", "discount")
    frame = pd.DataFrame(list(rows), columns=["customer_id", "service", "amount", "discount"])
    if frame.empty:
        return pd.Series(dtype=float), {}
    frame["net"] = frame["amount"].astype(float) - frame["discount"].astype(float)
    spend = frame.groupby("customer_id")["net"].mean()
    booked = frame.groupby("customer_id")["service"].agg(lambda services: sorted(set(services))).to_dict()
    return spend, booked


def _complained_services(customer_pks: list[int], *, before: dt.date) -> dict[int, str]:
    """The service of each customer's latest complaint about a booking, before `before`."""
    from customers.models import Complaint

    latest: dict[int, str] = {}
    rows = (
        Complaint.objects.filter(
            customer_id__in=customer_pks, booking__isnull=False, created_at__lt=cutoff_of(before).to_pydatetime()
        )
        .order_by("customer_id", "created_at")
        .values_list("customer_id", "booking__service__slug")
    )
    for customer_pk, slug in rows:
        latest[customer_pk] = slug  # ordered by time: the last one wins
    return latest


def _service_recommendations(booked: dict[int, list[str]], *, before: dt.date) -> dict[int, str | None]:
    """What each customer is likely to book next, from what similar customers booked before `before`."""
    from mlcore.recommend import service_similarity_fit

    history = read_frame(
        "SELECT b.customer_id, s.slug FROM customers_booking b JOIN customers_service s ON s.id = b.service_id "
        "WHERE b.status = 'completed' AND b.booked_at < %s",
        [cutoff_of(before).to_pydatetime()],
        columns=["customer_id", "service"],
        texts=("service",),
    )
    if history.empty:
        return {}
    return service_similarity_fit(history).recommend(booked)


def _personal_uplift(
    frame: pd.DataFrame, as_of: dt.date, policy: OfferPolicy, settings_row: InterventionSettings
) -> tuple[pd.Series, str]:
    """Each customer's own expected uplift per action once enough outcomes exist (else None: the segment estimates)."""
    none = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    if not settings_row.uplift_per_customer:
        return none, "segment estimates (per-customer uplift is switched off in the settings)"
    if not uplift_model_ready(before=as_of):
        return none, f"segment estimates (the uplift model needs {UPLIFT_CONFIG.min_per_arm} outcomes per arm)"
    history = history_load(before=as_of)
    try:
        fitted = uplift_model_fit(history, before=as_of)
    except TrainingDataError as exc:  # e.g. judged rows whose customers have no booking before their proposal day
        return none, f"segment estimates ({exc})"
    features = build_features(history, as_of, customer_ids=frame.index)
    uplifts = personal_uplifts(fitted=fitted, features=features, segments=frame["segment"], policy=policy)
    evidence = sum(fitted.model.outcomes_by_action.values())
    return uplifts.reindex(frame.index), f"per customer (uplift model on {evidence:,} outcome pairs)"


@dataclass
class EngineInputs:
    """What the engine decides from on `as_of`: one row per eligible customer (see mlcore.offers.propose)."""

    as_of: dt.date
    predictions: list[Prediction]  # eligible: at or above the high-risk threshold, no open or recent intervention
    skipped: int  # at risk but with an open or recent intervention
    frame: pd.DataFrame  # indexed by customer pk
    booked: dict[int, list[str]]  # services each customer booked before `as_of`
    policy: OfferPolicy
    uplift_source: str


def proposal_inputs(*, as_of: dt.date) -> EngineInputs:
    """The engine's inputs for every customer scored at or above the high-risk threshold on `as_of`, without those
    with an open intervention or one in the last `cooldown_days`."""
    settings_row, scoring = InterventionSettings.load(), ScoringSettings.load()
    at_risk = Prediction.objects.filter(as_of=as_of, churn_probability__gte=scoring.high_risk_from).select_related(
        "customer"
    )
    recent = cutoff_of(as_of).to_pydatetime() - dt.timedelta(days=settings_row.cooldown_days)
    busy = set(
        Intervention.objects.filter(Q(status__in=OPEN_STATUSES) | Q(created_at__gte=recent)).values_list(
            "customer_id", flat=True
        )
    )
    predictions = [prediction for prediction in at_risk if prediction.customer_id not in busy]
    policy = policy_from(settings_row, scoring, as_of=as_of)
    spend, booked = _spend_and_services([prediction.customer_id for prediction in predictions], before=as_of)
    frame = pd.DataFrame(
        {
            "churn_probability": [prediction.churn_probability for prediction in predictions],
            "segment": [prediction.segment for prediction in predictions],
            "loyalty_tier": [prediction.loyalty_tier for prediction in predictions],
            "ltv": [float(prediction.ltv or 0) for prediction in predictions],
            "ltv_low_if_retained": [float(prediction.ltv_low_if_retained or 0) for prediction in predictions],
            "reasons": [prediction.reasons for prediction in predictions],
        },
        index=pd.Index([prediction.customer_id for prediction in predictions], dtype="int64"),
    )
    frame["spend_avg"] = spend.reindex(frame.index).fillna(0.0)
    uplift_source = ""
    if predictions:
        frame["personal_uplift"], uplift_source = _personal_uplift(frame, as_of, policy, settings_row)
    return EngineInputs(as_of, predictions, len(at_risk) - len(predictions), frame, booked, policy, uplift_source)


def interventions_propose(*, as_of: dt.date | None = None, now: dt.datetime | None = None) -> ProposalRun:
    """Propose for every customer scored at or above the high-risk threshold on `as_of` (default: latest day).

    Customers with an open intervention, or one in the last `cooldown_days`, are skipped; a reproducible random
    share goes to the control group and is recorded but never contacted. `now`: the moment the proposals are made,
    where their churn window starts (default now; a replayed night passes its own).
    """
    made_at = now or timezone.now()
    as_of = as_of or latest_as_of()
    if as_of is None:
        raise ValidationError("nothing has been scored yet: run `python manage.py score_customers` first")
    settings_row = InterventionSettings.load()
    inputs = proposal_inputs(as_of=as_of)
    predictions, booked, skipped = inputs.predictions, inputs.booked, inputs.skipped
    if not predictions:
        return ProposalRun(as_of, 0, 0, 0, 0, skipped)
    proposals = propose(inputs.frame, inputs.policy)
    uplift_source = inputs.uplift_source
    by_customer = {prediction.customer_id: prediction for prediction in predictions}
    external_ids = pd.Series({pk: by_customer[pk].customer.external_id for pk in proposals.index}, dtype=object)
    control = in_control_group(external_ids, settings_row.control_share, settings_row.control_salt)
    recommended = _service_recommendations({pk: booked.get(pk, []) for pk in proposals.index}, before=as_of)
    complained = _complained_services(list(proposals.index), before=as_of)
    services = {service.slug: service for service in Service.objects.all()}

    rows = []
    for pk, proposal in proposals.iterrows():
        prediction = by_customer[pk]
        if proposal["action"] == RECOVERY and pk in complained:
            slug = complained[pk]  # make good the service that went wrong, not a new one
        else:
            slug = recommended.get(pk) or (booked.get(pk) or ["other"])[0]
        service = services.get(slug)
        message = render_offer(
            action=proposal["action"],
            customer_name=prediction.customer.name,
            amount=proposal["discount_amount"],
            service=service,
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
                uplift_source=proposal["uplift_source"],
                expected_cost=Decimal(str(proposal["cost"])),
                expected_net_benefit=Decimal(str(proposal["net_benefit"])),
                expected_roi=proposal["roi"],
                risk_adjusted_roi=proposal["risk_adjusted_roi"],
                status=InterventionStatus.CONTROL if control[pk] else InterventionStatus.PROPOSED,
                created_at=made_at,
            )
        )
    with transaction.atomic():
        created = Intervention.objects.bulk_create(rows, batch_size=1000)
        InterventionEvent.objects.bulk_create(
            [
                InterventionEvent(intervention=row, from_status="", to_status=row.status, note="proposed", at=made_at)
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
        uplift_source=uplift_source,
    )
