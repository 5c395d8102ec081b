"""The demo's replay of past nights: the real nightly chain as of earlier days, simulated staff and customers."""

import datetime as dt
import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import Count, Min

from accounts.access import Action, can, roles_of, sees_staff_data
from customers.models import SIMULATED_BOOKING_PREFIX, Booking
from customers.tests.factories import BookingFactory
from interventions.models import (
    SIMULATION_USERNAME,
    Intervention,
    InterventionEvent,
    InterventionOutcome,
    InterventionStatus,
    NightlyRunRecord,
    NightlyState,
)
from interventions.services.replay import demo_replay, night_moment, replay_days, simulation_user
from mlcore.features import cutoff_of
from payments.models import Redemption
from predictions.models import ModelKind, ModelPerformance, Prediction
from predictions.services.scoring import chunk_score
from predictions.tests.factories import PredictionFactory

END = dt.date(2026, 10, 31)
REAL_NIGHT = END + dt.timedelta(days=1)


def test_replay_days_are_every_few_days_back_from_the_real_night_oldest_first():
    # when
    days = replay_days(last_day=dt.date(2026, 11, 1), months=2, every_days=21)

    # then: 21, 42 days back; 63 would be more than two months (61 days)
    assert days == [dt.date(2026, 9, 20), dt.date(2026, 10, 11)]


@pytest.mark.django_db
def test_the_simulated_staff_cannot_log_in_and_has_no_role():
    # given
    user = simulation_user()
    user.set_password("guessable")
    user.is_staff = True
    user.save()

    # when: asked for again, it is put back as it must be
    user = simulation_user()

    # then
    assert user.username == SIMULATION_USERNAME
    assert not user.has_usable_password()
    assert authenticate(username=SIMULATION_USERNAME, password="guessable") is None
    assert not sees_staff_data(user)
    assert not can(user, Action.DECIDE_INTERVENTIONS)
    assert roles_of(user) == frozenset()


@pytest.mark.django_db
def test_a_database_scored_after_the_first_night_is_not_replayed():
    # given: a night was scored a week before the last booking's day, after the first day a replay would take
    booking = BookingFactory(booked_at=cutoff_of(END).to_pydatetime())
    PredictionFactory(customer=booking.customer, as_of=END - dt.timedelta(days=7))

    # when
    result = demo_replay(months=3, every_days=28)

    # then
    assert result.nights == []
    assert f"scored as of {END - dt.timedelta(days=7)}" in result.refused
    assert not NightlyRunRecord.objects.exists()


@pytest.fixture
def world(settings, tmp_path):
    settings.MODEL_ARTIFACTS_DIR = tmp_path
    call_command("generate_data", customers=800, years=3, seed=5, end_date=END, verbosity=0)


@pytest.mark.django_db
def test_a_replay_leaves_outcomes_control_groups_simulated_answers_and_history_and_a_second_run_adds_nothing(world):
    # given: the real nightly's day is the day after the last booking
    days = replay_days(last_day=REAL_NIGHT, months=5, every_days=35)
    assert len(days) == 4

    # when
    result = demo_replay(months=5, every_days=35, reviewed_per_night=60, seed=3)

    # then: every night ran the real chain, as of its day, at its moment, and completed
    assert [night.as_of for night in result.nights] == days
    assert result.trained_as_of == days[0]
    records = NightlyRunRecord.objects.filter(as_of__in=days)
    assert sorted(records.values_list("as_of", "state")) == [(day, NightlyState.COMPLETE) for day in days]
    assert list(Prediction.objects.order_by("as_of").values_list("as_of", flat=True).distinct()) == days
    churn_runs = ModelPerformance.objects.filter(model_kind=ModelKind.CHURN)
    assert list(churn_runs.values_list("as_of", flat=True)) == [days[0]]
    for day in days:
        made = Intervention.objects.filter(as_of=day)
        assert set(made.values_list("created_at", flat=True)) == {night_moment(day)}
    # the simulated staff decided by the rule: a quarter of those reviewed refused, the rest approved and sent
    user = simulation_user()
    decided = Intervention.objects.filter(decided_by=user)
    first = result.nights[0]
    assert (first.approved, first.rejected) == (45, 15)
    assert decided.filter(status=InterventionStatus.REJECTED).count() == sum(n.rejected for n in result.nights)
    assert decided.exclude(status=InterventionStatus.REJECTED).filter(sent_at__isnull=False).count() == sum(
        n.approved for n in result.nights
    )
    assert not decided.filter(decided_at__date__gt=dt.date(2026, 10, 1)).exclude(as_of=days[-1]).exists()
    # held out at random, never contacted
    control = Intervention.objects.filter(status=InterventionStatus.CONTROL)
    assert control.count() == sum(n.control for n in result.nights) > 0
    assert not control.filter(sent_at__isnull=False).exists()
    # customers answered with simulated bookings, after the offer and within it, redeeming its code
    simulated = Booking.objects.filter(external_id__startswith=SIMULATED_BOOKING_PREFIX)
    assert simulated.count() == sum(n.booked for n in result.nights) > 0
    for booking in simulated.select_related("customer"):
        intervention = Intervention.objects.get(pk=int(booking.external_id.removeprefix(SIMULATED_BOOKING_PREFIX)))
        assert intervention.customer_id == booking.customer_id
        assert intervention.sent_at is not None
        assert intervention.expires_at is not None
        assert intervention.sent_at < booking.booked_at < intervention.expires_at
    redemptions = Redemption.objects.filter(booking__external_id__startswith=SIMULATED_BOOKING_PREFIX)
    assert redemptions.count() == sum(n.redeemed for n in result.nights) > 0
    redeemed = Intervention.objects.filter(status=InterventionStatus.REDEEMED)
    assert set(redeemed.values_list("pk", flat=True)) == set(
        redemptions.values_list("code__intervention_id", flat=True)
    )
    assert all(r.booking and r.redeemed_at == r.booking.booked_at for r in redemptions.select_related("booking"))
    # outcomes were judged by the product's own chain, in every arm, once their churn window had passed
    judged = Intervention.objects.exclude(outcome=InterventionOutcome.PENDING)
    arms = dict(judged.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    assert arms.get(InterventionStatus.CONTROL, 0) > 0
    assert arms.get(InterventionStatus.REDEEMED, 0) > 0
    assert judged.aggregate(last=Min("as_of"))["last"] == days[0]
    assert not judged.filter(as_of__gt=days[-1] - dt.timedelta(days=90)).exists()

    # when: run again
    counts = (
        Intervention.objects.count(),
        InterventionEvent.objects.count(),
        simulated.count(),
        Prediction.objects.count(),
    )
    again = demo_replay(months=5, every_days=35, reviewed_per_night=60, seed=3)

    # then: nothing is replayed twice
    assert again.nights == []
    assert again.trained_as_of is None
    assert (
        Intervention.objects.count(),
        InterventionEvent.objects.count(),
        simulated.count(),
        Prediction.objects.count(),
    ) == counts


@pytest.mark.django_db
def test_a_replayed_night_is_scored_from_what_happened_before_its_day_only(world):
    # given: a replay of two nights
    result = demo_replay(months=3, every_days=35, reviewed_per_night=40, seed=3)
    day = result.nights[-1].as_of
    replayed = dict(Prediction.objects.filter(as_of=day).values_list("customer_id", "churn_probability"))
    record = NightlyRunRecord.objects.get(as_of=day)

    # when: everything from that day on is deleted (the data's own later bookings and the simulated answers) and the
    # night is scored again with its models
    Booking.objects.filter(booked_at__gte=cutoff_of(day).to_pydatetime()).delete()
    for first, last in record.chunks:
        chunk_score(as_of=day, first=first, last=last, versions=record.versions)

    # then: the same scores: nothing after the day was used
    assert dict(Prediction.objects.filter(as_of=day).values_list("customer_id", "churn_probability")) == replayed


@pytest.mark.django_db
def test_the_command_says_why_it_did_not_replay_and_succeeds():
    # given: a database already scored after the first night a replay would take (an older demo's)
    booking = BookingFactory(booked_at=cutoff_of(END).to_pydatetime())
    PredictionFactory(customer=booking.customer, as_of=END - dt.timedelta(days=7))
    out = io.StringIO()

    # when
    call_command("replay_demo", "--months", "3", stdout=out)

    # then
    assert out.getvalue().startswith(f"Not replayed: customers were scored as of {END - dt.timedelta(days=7)}")
