"""Judging outcomes: every settled proposal (sent, refused, expired or held out) from the day it was proposed."""

import datetime as dt

import pytest
from django.utils import timezone

from customers.tests.factories import BookingFactory
from interventions.models import Intervention, InterventionStatus
from interventions.services.outcomes import interventions_track_outcomes
from interventions.tests.factories import InterventionFactory

pytestmark = pytest.mark.django_db


def proposal(status: str, days_ago: int, booked_after_days: int | None = None) -> Intervention:
    intervention = InterventionFactory(status=status)
    created = timezone.now() - dt.timedelta(days=days_ago)
    Intervention.objects.filter(pk=intervention.pk).update(created_at=created)
    if booked_after_days is not None:
        BookingFactory(customer=intervention.customer, booked_at=created + dt.timedelta(days=booked_after_days))
    return intervention


def test_every_settled_proposal_is_judged_from_the_day_it_was_proposed():
    # given proposals made 100 days ago (the churn window is 90 days)
    sent_kept = proposal(InterventionStatus.SENT, 100, booked_after_days=10)
    refused_lost = proposal(InterventionStatus.REJECTED, 100)
    expired_kept = proposal(InterventionStatus.EXPIRED, 100, booked_after_days=80)
    control_late = proposal(InterventionStatus.CONTROL, 100, booked_after_days=95)  # after its window
    undecided = proposal(InterventionStatus.PROPOSED, 100, booked_after_days=10)
    too_recent = proposal(InterventionStatus.SENT, 50, booked_after_days=10)

    # when
    counts = interventions_track_outcomes()

    # then
    outcome = dict(Intervention.objects.values_list("pk", "outcome"))
    assert counts == {"retained": 2, "churned": 2}
    assert [outcome[row.pk] for row in (sent_kept, refused_lost, expired_kept, control_late)] == [
        "retained",
        "churned",
        "retained",
        "churned",
    ]
    assert outcome[undecided.pk] == outcome[too_recent.pk] == "pending"


def test_outcomes_are_judged_once():
    proposal(InterventionStatus.SENT, 100, booked_after_days=10)

    assert interventions_track_outcomes() == {"retained": 1, "churned": 0}
    assert interventions_track_outcomes() == {"retained": 0, "churned": 0}
