"""End to end: score → propose → approve → send (mock channels) → redeem → outcome, on generated data."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from customers.models import Booking, Customer
from customers.tests.factories import StaffUserFactory, existing_service
from interventions.models import Intervention, InterventionStatus
from interventions.services.nightly import nightly_run
from interventions.services.outcomes import interventions_track_outcomes, roi_measured, uplift_estimates
from interventions.services.queue import intervention_approve
from notifications.backends import sms_gateway
from notifications.models import Notification
from payments.models import DiscountCode
from payments.services.codes import discount_code_redeem
from predictions.models import Prediction, ScoringSettings
from predictions.services.training import models_train

END = dt.date(2026, 10, 31)
AS_OF = END + dt.timedelta(days=1)


@pytest.mark.slow
@pytest.mark.django_db
def test_the_whole_loop_on_generated_data(settings, tmp_path, django_capture_on_commit_callbacks):
    # given: a marketplace, trained models, and the nightly run
    settings.MODEL_ARTIFACTS_DIR = tmp_path
    sms_gateway.reset()
    call_command("generate_data", customers=900, years=3, seed=11, end_date=END, verbosity=0)
    models_train(as_of=AS_OF)
    run = nightly_run(as_of=AS_OF)

    # then: every customer with a booking is scored, the at-risk ones are proposed for or held out
    threshold = ScoringSettings.load().high_risk_from
    scored = Prediction.objects.filter(as_of=AS_OF)
    assert run.scored == scored.count() == Customer.objects.filter(bookings__isnull=False).distinct().count()
    at_risk = scored.filter(churn_probability__gte=threshold).count()
    assert run.proposals.eligible == at_risk
    assert run.proposals.proposed + run.proposals.control + run.proposals.not_paying == at_risk
    assert run.proposals.proposed > 0
    assert Intervention.objects.filter(status=InterventionStatus.PROPOSED).count() == run.proposals.proposed
    assert Intervention.objects.filter(status=InterventionStatus.CONTROL).count() == run.proposals.control

    # when: staff approve the three best proposals; the send runs when the approval commits
    staff = StaffUserFactory()
    best = list(
        Intervention.objects.filter(status=InterventionStatus.PROPOSED, discount_amount__gt=0)
        .order_by("-expected_net_benefit")
        .values_list("pk", flat=True)[:3]
    )
    for pk in best:
        with django_capture_on_commit_callbacks(execute=True):
            intervention_approve(intervention_id=pk, user=staff)

    # then: each got one code and one message on its customer's channel, with the code in it
    sent = Intervention.objects.filter(pk__in=best)
    assert set(sent.values_list("status", flat=True)) == {InterventionStatus.SENT}
    for intervention in sent:
        code = DiscountCode.objects.get(intervention=intervention)
        notification = Notification.objects.get(intervention=intervention)
        assert code.code in notification.body
        assert notification.status == "sent"
        assert code.value == intervention.discount_amount
    assert Notification.objects.count() == 3  # nobody else was contacted, the control group least of all
    assert len({message.to for message in sms_gateway.outbox}) == Notification.objects.filter(channel="sms").count()

    # when: the first customer redeems their code on a new booking, and books again within the window
    first = sent.get(pk=best[0])
    code = DiscountCode.objects.get(intervention=first)
    redemption = discount_code_redeem(
        code=code.code, customer=first.customer, order_amount=Decimal("2500"), idempotency_key="booking-1"
    )
    Booking.objects.create(
        external_id="AFTER-1", customer=first.customer, service=existing_service(), booked_at=timezone.now(),
        amount=Decimal("2500"), discount=redemption.discount_amount, status="completed",
    )  # fmt: skip

    # then
    first.refresh_from_db()
    assert first.status == InterventionStatus.REDEEMED
    assert redemption.discount_amount == min(first.discount_amount, Decimal("2500"))

    # when: the churn window has passed
    later = timezone.now() + dt.timedelta(days=ScoringSettings.load().churn_window_days + 1)
    outcomes = interventions_track_outcomes(now=later)

    # then: the redeemer is retained; outcomes exist for every treated and control row
    first.refresh_from_db()
    assert first.outcome == "retained"
    judged = Intervention.objects.exclude(outcome="pending")
    assert outcomes["retained"] + outcomes["churned"] == judged.count()
    assert judged.count() == 3 + run.proposals.control
    estimates = {estimate.key: estimate for estimate in uplift_estimates()}
    for estimate in estimates.values():
        assert estimate.proposed + estimate.control > 0
        assert 0 <= estimate.retention_proposed <= 1

    # and the ROI measured against the control group counts the three treated customers and the redeemed discount
    measured = {item.action: item for item in roi_measured()}
    treated_actions = set(sent.values_list("action", flat=True))
    assert set(measured) == treated_actions  # every action sent here also has control rows to compare with
    assert sum(item.sent for item in measured.values()) == 3
    assert sum(item.discounts_redeemed for item in measured.values()) == float(redemption.discount_amount)
    assert all(item.contact_cost == 2.0 * item.sent for item in measured.values())
