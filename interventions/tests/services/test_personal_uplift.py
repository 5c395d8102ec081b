"""Once enough outcomes exist, proposals carry each customer's own expected uplift from the uplift model."""

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest
from django.utils import timezone

from customers.tests.factories import BookingFactory, ComplaintFactory, CustomerFactory
from interventions.models import Intervention, InterventionSettings, InterventionStatus
from interventions.services.outcomes import (
    UPLIFT_CONFIG,
    judged_features,
    uplift_model_fit,
    uplift_model_ready,
)
from interventions.services.proposals import interventions_propose, policy_from
from interventions.tests.factories import InterventionFactory
from mlcore.offers import uplift_for
from mlcore.uplift import personal_uplifts
from predictions.models import ScoringSettings
from predictions.selectors import history_load
from predictions.tests.factories import PredictionFactory

AS_OF = dt.date(2026, 11, 1)
PAST = AS_OF - dt.timedelta(days=120)


def at(day: dt.date, days_before: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day - dt.timedelta(days=days_before), dt.time(12)))


def customer_with_history(n: int, complained: bool, prefix: str = "U"):
    customer = CustomerFactory(external_id=f"{prefix}{n:05d}", joined_at=at(PAST, 400))
    for days in (90, 45):
        BookingFactory(customer=customer, booked_at=at(PAST, days), amount=Decimal("2000.00"))
    if complained:
        ComplaintFactory(customer=customer, created_at=at(PAST, 20))
    return customer


@pytest.fixture
def service_recovery_outcomes(db) -> int:
    """An experiment already judged: service recovery kept every treated customer who had complained; otherwise a
    third were kept, treated or not. 260 outcomes, half held out."""
    pairs = UPLIFT_CONFIG.min_per_arm + 30
    for n in range(2 * pairs):
        complained = n % 2 == 0
        treated = (n // 2) % 2 == 0
        kept = (treated and complained) or n % 3 == 0
        InterventionFactory(
            customer=customer_with_history(n, complained),
            as_of=PAST,
            action="service_recovery",
            status=InterventionStatus.SENT if treated else InterventionStatus.CONTROL,
            outcome="retained" if kept else "churned",
        )
    Intervention.objects.update(created_at=at(PAST, 0))  # judged 90 days later: known by AS_OF
    return pairs


def test_not_enough_outcomes_means_no_model(db) -> None:
    InterventionFactory(status=InterventionStatus.SENT, outcome="retained", as_of=PAST)

    assert not uplift_model_ready()


def test_judged_interventions_are_described_as_they_were_when_proposed(service_recovery_outcomes: int) -> None:
    # when
    frame = judged_features(history_load(before=AS_OF))

    # then one row per judged intervention, with the complaints known on the day of the proposal
    assert len(frame) == 2 * service_recovery_outcomes
    assert frame["assigned"].sum() == frame["sent"].sum() == service_recovery_outcomes
    complained = frame["customer_id"].map(
        {customer_id: n % 2 == 0 for n, customer_id in enumerate(sorted(frame["customer_id"]))}
    )
    assert ((frame["complaints_total"] > 0) == complained).all()
    assert (frame["days_since_last_booking"] == 44.5).all()  # booked at noon, 45 days before midnight


def test_the_customers_own_uplift_follows_what_the_outcomes_showed(service_recovery_outcomes: int) -> None:
    # given the model on those outcomes
    assert uplift_model_ready()
    history = history_load(before=AS_OF)
    fitted = uplift_model_fit(history)
    policy = policy_from(InterventionSettings.load(), ScoringSettings.load())
    from mlcore.features import build_features

    features = build_features(history, AS_OF)

    # when
    uplifts = personal_uplifts(
        fitted=fitted, features=features, segments=features.index.to_series().map(lambda _: "occasional"), policy=policy
    )

    # then customers who complained are expected to respond to service recovery, the others hardly at all
    recovery = uplifts.map(lambda by_action: by_action["service_recovery"])
    complained = features["complaints_total"] > 0
    print(f"\nrecovery uplift: complained {recovery[complained].mean():.3f}, not {recovery[~complained].mean():.3f}")
    assert recovery[complained].mean() > recovery[~complained].mean() + 0.1
    # and a customer's estimate does not depend on who else is scored with them
    alone = personal_uplifts(
        fitted=fitted, features=features.iloc[:1], segments=pd.Series("occasional", features.index[:1]), policy=policy
    )
    assert alone.iloc[0] == uplifts.iloc[0]
    # the model moves customers around the segment's measured level, measured from the customers it learned from
    level = uplift_for("service_recovery", "occasional", policy)
    assert recovery[complained].mean() > level > recovery[~complained].mean()
    assert set(uplifts.iloc[0]) == {"service_recovery"}  # actions without outcomes keep the segment estimate


def test_proposals_use_the_customers_own_uplift(service_recovery_outcomes: int) -> None:
    # given two new at-risk customers, one who complained
    reasons = [
        {"feature": "complaints_90d", "contribution": 0.4},
        {"feature": "days_since_last_booking", "contribution": 0.2},
    ]
    for n, complained in ((1, True), (2, False)):
        customer = customer_with_history(n, complained, prefix="N")
        PredictionFactory(
            customer=customer, as_of=AS_OF, churn_probability=0.75, ltv=Decimal("12000"), ltv_low=Decimal("0"),
            ltv_high=Decimal("20000"), segment="occasional", loyalty_tier="bronze", reasons=reasons,
        )  # fmt: skip

    # when
    run = interventions_propose(as_of=AS_OF)

    # then
    assert run.uplift_source.startswith("per customer (uplift model on ")
    complained = Intervention.objects.get(customer__external_id="N00001")
    assert complained.action == "service_recovery"
    assert complained.expected_retention_uplift > 0.15  # the prior is 0.08


def test_proposals_fall_back_to_segment_estimates_when_the_model_cannot_be_trained(db) -> None:
    # given enough outcomes by count, but none with the day they were proposed (so no features to learn from)
    for n in range(2 * UPLIFT_CONFIG.min_per_arm):
        status = InterventionStatus.SENT if n % 2 else InterventionStatus.CONTROL
        InterventionFactory(as_of=None, status=status, outcome="retained" if n % 3 else "churned")
    Intervention.objects.update(created_at=at(PAST, 0))
    customer = customer_with_history(1, complained=False, prefix="N")
    PredictionFactory(customer=customer, as_of=AS_OF, churn_probability=0.75, segment="occasional")

    # when
    run = interventions_propose(as_of=AS_OF)

    # then the run still proposes, and says why it used the segment estimates
    assert uplift_model_ready()
    assert run.proposed + run.control == 1
    assert run.uplift_source.startswith("segment estimates (0 treated and 0 control outcomes")


def test_per_customer_uplift_can_be_switched_off(service_recovery_outcomes: int) -> None:
    # given enough outcomes, but the setting off
    settings_row = InterventionSettings.load()
    settings_row.uplift_per_customer = False
    settings_row.save()
    customer = customer_with_history(1, complained=True, prefix="N")
    PredictionFactory(customer=customer, as_of=AS_OF, churn_probability=0.75, segment="occasional")

    # when
    run = interventions_propose(as_of=AS_OF)

    # then
    assert run.uplift_source == "segment estimates (per-customer uplift is switched off in the settings)"
