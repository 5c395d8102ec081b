"""The demo's past: the nightly run replayed as of earlier days, with simulated staff decisions and customer answers.

A freshly generated demo has one night, on its last day, so nothing has an outcome yet. The replay runs the real
nightly chain (nightly_run: scoring, proposals with their control group, sending, expiry, outcomes) as of a series
of past days, each at that night's moment, oldest first. Between nights a simulated member of staff
(SIMULATION_USERNAME, who cannot log in and has no role) works through the morning's queue, and the customers who
were sent an offer answer it the way bench/bench_learning.py has them answer (mlcore.simulation): one who would not
have come back in the data books again with a chance that depends on what they are like and what they were offered,
and redeems the offer's code on that booking. Such bookings are SIMULATED_BOOKING_PREFIX + the intervention's id.
Outcomes are then judged by the product itself (interventions_track_outcomes), on the later nights and the real one.

Nothing of the future leaks into a night: scoring, proposals and the uplift estimates read only what happened before
its day, and the simulated answers to a night's offers are written after that night, dated after it. The models are
trained once, as of the first day replayed (none of the nights is scored by a model that has seen it).

A night whose record is complete is not replayed again, so a second run adds nothing; an interrupted one resumes.
"""

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.contrib.auth.models import User
from django.db.models import Min

from customers.models import SIMULATED_BOOKING_PREFIX, Booking, BookingStatus, Customer, Service
from customers.services.synthetic_load import SimulatedBooking, simulated_bookings_add
from interventions.models import (
    SIMULATION_USERNAME,
    Intervention,
    InterventionSettings,
    InterventionStatus,
    NightlyRunRecord,
    NightlyState,
)
from interventions.services.nightly import nightly_run
from interventions.services.queue import intervention_approve, intervention_reject, interventions_send_approved
from mlcore.features import build_features, cutoff_of
from mlcore.simulation import simulated_uplift
from payments.models import DiscountCode
from payments.services.codes import discount_code_redeem
from predictions.models import ModelKind, ModelVersion, Prediction, ScoringSettings
from predictions.selectors import history_load

logger = logging.getLogger(__name__)

NIGHT_RUNS_AT = dt.timedelta(hours=2)  # the nightly run starts at 02:00 in Dhaka on its scoring day
STAFF_DECIDE_AT = dt.timedelta(hours=10)  # the retention team works through the queue that morning
REJECTED_SHARE = 0.25  # of the proposals staff review, the quarter with the lowest risk-adjusted ROI is refused


@dataclass(frozen=True)
class ReplayNight:
    as_of: dt.date
    scored: int
    proposed: int
    control: int
    approved: int
    rejected: int
    sent: int
    booked: int  # customers who answered an offer with a (simulated) booking
    redeemed: int  # ... and redeemed its code on it
    outcomes: dict[str, int]


@dataclass(frozen=True)
class ReplayResult:
    days: list[dt.date]  # every day of the replay, oldest first
    nights: list[ReplayNight]  # the nights replayed by this run (none when all had been)
    trained_as_of: dt.date | None  # the day models were trained as of for the replay, if this run trained them
    refused: str = ""  # why nothing was replayed, when the database cannot take a replay


def replay_days(*, last_day: dt.date, months: int, every_days: int) -> list[dt.date]:
    """Scoring days every `every_days` days back from `last_day` (the real nightly run's day, not among them), the
    earliest at most `months` months before it; oldest first."""
    if months < 1 or every_days < 1:
        raise ValueError("replay at least one month, one night every day or more")
    earliest = last_day - dt.timedelta(days=round(months * 30.44))
    days, day = [], last_day - dt.timedelta(days=every_days)
    while day >= earliest:
        days.append(day)
        day -= dt.timedelta(days=every_days)
    return sorted(days)


def simulation_user() -> User:
    """The simulated member of staff whose decisions the replay records: no password that works, no role, not staff."""
    user, _ = User.objects.get_or_create(
        username=SIMULATION_USERNAME, defaults={"first_name": "Simulated staff", "last_name": "(demo replay)"}
    )
    if user.has_usable_password() or user.is_staff or user.is_superuser or user.groups.exists():
        user.set_unusable_password()
        user.is_staff = user.is_superuser = False
        user.save(update_fields=["password", "is_staff", "is_superuser"])
        user.groups.clear()
    return user


def night_moment(day: dt.date) -> dt.datetime:
    """When the night scoring as of `day` runs: early on that day in Dhaka."""
    return cutoff_of(day).to_pydatetime() + NIGHT_RUNS_AT


def demo_replay(
    *,
    months: int = 6,
    every_days: int = 35,
    reviewed_per_night: int = 250,
    seed: int = 7,
    progress: Callable[[ReplayNight], object] | None = None,
) -> ReplayResult:
    """Replay the nightly run every `every_days` days over the `months` months before the real night (the day after
    the last booking), oldest first; staff review the best `reviewed_per_night` proposals of each night (the queue's
    order) and the rest expire undecided. The same `seed` gives the same answers. See the module docstring."""
    from predictions.services.training import default_as_of, models_train

    last_day = _last_real_day(default_as_of())
    days = replay_days(last_day=last_day, months=months, every_days=every_days)
    done = set(
        NightlyRunRecord.objects.filter(as_of__in=days, state=NightlyState.COMPLETE).values_list("as_of", flat=True)
    )
    todo = [day for day in days if day not in done]
    if not todo:
        return ReplayResult(days, [], None)
    later = Prediction.objects.filter(as_of__gt=todo[0]).exclude(as_of__in=days).aggregate(first=Min("as_of"))
    if later["first"] is not None:
        return ReplayResult(
            days,
            [],
            None,
            refused=f"customers were scored as of {later['first']}, after {todo[0]}, the first night to replay: "
            "replaying now would write an older history over a newer one",
        )
    trained = None
    churn = ModelVersion.objects.filter(kind=ModelKind.CHURN, is_active=True).first()
    if churn is None or churn.as_of > todo[0]:
        models_train(as_of=todo[0])  # trained on what was known on the first night, and no later
        trained = todo[0]
    user = simulation_user()
    nights = []
    for day in todo:
        night = _replay_night(day, user=user, reviewed=reviewed_per_night, seed=seed)
        logger.info("replayed the night of %s: %s", day, night)
        nights.append(night)
        if progress:
            progress(night)
    return ReplayResult(days, nights, trained)


def _last_real_day(after_last_booking: dt.date) -> dt.date:
    """The real nightly's day: the day after the last booking that is not simulated (a rerun's own bookings, dated
    after a replayed night, never move it)."""
    from zoneinfo import ZoneInfo

    from django.db.models import Max

    from mlcore.features import LOCAL_TZ

    last = Booking.objects.exclude(external_id__startswith=SIMULATED_BOOKING_PREFIX).aggregate(last=Max("booked_at"))
    if last["last"] is None:
        return after_last_booking
    return last["last"].astimezone(ZoneInfo(LOCAL_TZ)).date() + dt.timedelta(days=1)


def _replay_night(day: dt.date, *, user: User, reviewed: int, seed: int) -> ReplayNight:
    at = night_moment(day)
    run = nightly_run(as_of=day, now=at)
    decided_at = cutoff_of(day).to_pydatetime() + STAFF_DECIDE_AT
    approved, rejected = _staff_decide(day, user=user, reviewed=reviewed, at=decided_at)
    sent = interventions_send_approved(now=decided_at)
    booked, redeemed = _customers_answer(day, seed=seed)
    return ReplayNight(
        as_of=day,
        scored=run.scored,
        proposed=run.proposals.proposed,
        control=run.proposals.control,
        approved=approved,
        rejected=rejected,
        sent=sent,
        booked=booked,
        redeemed=redeemed,
        outcomes=run.outcomes,
    )


def _staff_decide(day: dt.date, *, user: User, reviewed: int, at: dt.datetime) -> tuple[int, int]:
    """The simulated staff take the night's proposals in the queue's order (best expected net benefit first), up to
    `reviewed`; of those they refuse the REJECTED_SHARE with the lowest risk-adjusted ROI and approve the rest, with
    the engine's discount. Sending is left to interventions_send_approved, at the same moment."""
    rows = list(
        Intervention.objects.filter(as_of=day, status=InterventionStatus.PROPOSED)
        .order_by("-expected_net_benefit", "-expected_roi", "pk")
        .values_list("pk", "risk_adjusted_roi")[:reviewed]
    )
    if not rows:
        return 0, 0
    by_roi = sorted(rows, key=lambda row: (row[1], row[0]))
    refused = {pk for pk, _ in by_roi[: int(len(rows) * REJECTED_SHARE)]}
    for pk, _ in rows:
        if pk in refused:
            intervention_reject(
                intervention_id=pk, user=user, reason="simulated: lowest risk-adjusted ROI of the review", now=at
            )
        else:
            intervention_approve(intervention_id=pk, user=user, now=at, enqueue_send=False)
    return len(rows) - len(refused), len(refused)


def _customers_answer(day: dt.date, *, seed: int) -> tuple[int, int]:
    """The customers sent an offer on the night of `day` answer it: one who did not come back in the data within the
    churn window books once, within the offer's validity, with the chance mlcore.simulation gives their features on
    `day` and the offer, and redeems its code on that booking. Returns (bookings, redemptions)."""
    sent: dict[str, list[tuple[int, int, int | None, dt.datetime]]] = {}
    for pk, customer, action, service, sent_at in (
        Intervention.objects.filter(as_of=day, sent_at__isnull=False)
        .order_by("pk")
        .values_list("pk", "customer_id", "action", "service_id", "sent_at")
    ):
        assert sent_at is not None  # filtered on
        sent.setdefault(action, []).append((pk, customer, service, sent_at))
    if not sent:
        return 0, 0
    everyone = sorted({row[1] for rows in sent.values() for row in rows})
    proposed_at = night_moment(day)
    came_back = set(
        Booking.objects.filter(
            customer_id__in=everyone,
            status=BookingStatus.COMPLETED,
            booked_at__gte=proposed_at,
            booked_at__lt=proposed_at + dt.timedelta(days=ScoringSettings.load().churn_window_days),
        )
        .exclude(external_id__startswith=SIMULATED_BOOKING_PREFIX)
        .values_list("customer_id", flat=True)
    )
    history = history_load(before=day, customer_ids=(everyone[0], everyone[-1]))
    features = build_features(history, day, customer_ids=pd.Index(everyone))
    spend = features["spend_avg"].astype(float).to_dict()
    rng = np.random.default_rng([seed, day.toordinal()])  # one stream per night: a rerun draws the same
    valid_days = InterventionSettings.load().offer_valid_days
    fallback = Service.objects.order_by("pk").values_list("pk", flat=True).first()
    assert fallback is not None  # the catalogue migration made the services
    codes = _codes_of([row[0] for rows in sent.values() for row in rows])
    answers: list[tuple[SimulatedBooking, str]] = []
    for action in sorted(sent):
        rows = [row for row in sent[action] if row[1] in spend]  # a customer with no booking before has no features
        chance = simulated_uplift(features.loc[[row[1] for row in rows]], action)
        draws = rng.random(len(rows))
        days_later = rng.integers(1, max(valid_days, 2), len(rows))
        hours = rng.integers(1, 9, len(rows))
        for (pk, customer_id, service_id, sent_at), draw, after, hour, p in zip(
            rows, draws, days_later, hours, chance, strict=True
        ):
            if customer_id in came_back or draw >= p:
                continue
            code, value = codes.get(pk, ("", 0.0))
            amount = max(spend[customer_id] or 1000.0, 2 * value, 100.0)
            booking = SimulatedBooking(
                key=str(pk),
                customer_id=customer_id,
                service_id=service_id or fallback,
                at=sent_at + dt.timedelta(days=int(after), hours=int(hour)),
                amount=amount,
                discount=min(value, amount),
            )
            answers.append((booking, code))
    bookings = simulated_bookings_add(bookings=[booking for booking, _ in answers])
    buyers = Customer.objects.in_bulk([answer.customer_id for answer, _ in answers])
    redeemed = 0
    for answer, code in answers:
        if not code:
            continue  # a personal call, or an offer without a discount: the booking is the answer
        made = bookings[answer.key]
        discount_code_redeem(
            code=code,
            customer=buyers[answer.customer_id],
            order_amount=made.amount,
            idempotency_key=f"simulated-{answer.key}",
            booking=made,
            now=answer.at,
        )
        redeemed += 1
    return len(answers), redeemed


def _codes_of(intervention_pks: list[int]) -> dict[int, tuple[str, float]]:
    """The discount code (and its value in Tk) each intervention's message carried."""
    return {
        pk: (code, float(value))
        for pk, code, value in DiscountCode.objects.filter(intervention_id__in=intervention_pks).values_list(
            "intervention_id", "code", "value"
        )
    }
