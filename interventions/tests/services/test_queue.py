import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from customers.tests.factories import BookingFactory, CustomerFactory, StaffUserFactory
from interventions.models import Intervention, InterventionEvent, InterventionSettings, InterventionStatus
from interventions.services.proposals import interventions_propose
from interventions.services.queue import (
    TransitionError,
    intervention_approve,
    intervention_mark_redeemed,
    intervention_reject,
    interventions_expire,
)
from interventions.tests.factories import InterventionFactory
from predictions.tests.factories import PredictionFactory

AS_OF = dt.date(2026, 11, 1)


def at_risk_customer(n: int, probability: float = 0.75, ltv: str = "12000.00"):
    customer = CustomerFactory(external_id=f"R{n:05d}", name=f"Rahima {n}")
    BookingFactory.create_batch(3, customer=customer, amount=Decimal("2000.00"))
    return PredictionFactory(
        customer=customer, as_of=AS_OF, churn_probability=probability, ltv=Decimal(ltv), ltv_low=Decimal("0"),
        ltv_high=Decimal(ltv), segment="occasional", loyalty_tier="bronze",
    )  # fmt: skip


@pytest.mark.django_db
def test_propose_makes_proposals_with_messages_and_holds_out_a_control_group():
    # given
    settings_row = InterventionSettings.load()
    settings_row.control_share = 0.25
    settings_row.save()
    for n in range(40):
        at_risk_customer(n)
    at_risk_customer(99, probability=0.3)  # below the high-risk threshold

    # when
    run = interventions_propose(as_of=AS_OF)

    # then
    assert run.eligible == 40
    assert run.proposed + run.control == 40
    assert 4 <= run.control <= 16
    proposals = Intervention.objects.filter(status=InterventionStatus.PROPOSED)
    assert proposals.count() == run.proposed
    first = proposals.select_related("customer").first()
    assert first.message_en.startswith(first.customer.name.split(" ")[0])
    assert "{code}" in first.message_en  # filled in when the code is issued at sending
    assert not any(ch in "0123456789" for ch in first.message_bn.replace("{code}", ""))
    assert Intervention.objects.filter(status=InterventionStatus.CONTROL).count() == run.control
    assert InterventionEvent.objects.count() == 40


@pytest.mark.django_db
def test_propose_again_skips_customers_with_an_open_or_recent_intervention():
    at_risk_customer(1)
    interventions_propose(as_of=AS_OF)

    again = interventions_propose(as_of=AS_OF)

    assert (again.eligible, again.skipped_open_or_recent) == (0, 1)
    assert Intervention.objects.count() == 1


@pytest.mark.django_db
def test_approving_twice_is_refused_with_a_reason():
    intervention = InterventionFactory()
    staff = StaffUserFactory()
    intervention_approve(intervention_id=intervention.pk, user=staff)

    with pytest.raises(TransitionError, match="is approved; only a proposed one can become approved"):
        intervention_approve(intervention_id=intervention.pk, user=staff)

    intervention.refresh_from_db()
    assert intervention.status == InterventionStatus.APPROVED
    assert list(intervention.events.values_list("from_status", "to_status", "actor")) == [
        ("proposed", "approved", staff.pk)
    ]


@pytest.mark.django_db
def test_a_discount_above_the_cap_is_refused_and_changes_nothing():
    # value if retained: Tk 1,000 / (1 - 0.5) = Tk 2,000; 10% of it = Tk 200
    intervention = InterventionFactory(
        prediction__ltv=Decimal("1000.00"), prediction__ltv_low=Decimal("500.00"), churn_probability=0.5
    )

    with pytest.raises(ValidationError, match="between Tk 0 and Tk 200"):
        intervention_approve(intervention_id=intervention.pk, user=StaffUserFactory(), discount_amount=Decimal("900"))

    intervention.refresh_from_db()
    assert (intervention.status, intervention.discount_amount) == ("proposed", Decimal("200.00"))


@pytest.mark.django_db
def test_reject_records_who_and_why():
    intervention = InterventionFactory()
    staff = StaffUserFactory()

    intervention_reject(intervention_id=intervention.pk, user=staff, reason="customer asked not to be contacted")

    intervention.refresh_from_db()
    assert (intervention.status, intervention.decided_by) == ("rejected", staff)
    assert intervention.events.get().note == "customer asked not to be contacted"


@pytest.mark.django_db
def test_redeemed_only_from_sent_and_only_once():
    sent = InterventionFactory(status=InterventionStatus.SENT)
    proposed = InterventionFactory()

    intervention_mark_redeemed(intervention_id=sent.pk)
    intervention_mark_redeemed(intervention_id=sent.pk)  # a second redemption changes nothing
    with pytest.raises(TransitionError):
        intervention_mark_redeemed(intervention_id=proposed.pk)

    sent.refresh_from_db()
    assert sent.status == InterventionStatus.REDEEMED
    assert sent.events.count() == 1


@pytest.mark.django_db
def test_expire_sent_offers_past_expiry_and_stale_proposals():
    now = timezone.now()
    old_offer = InterventionFactory(status=InterventionStatus.SENT, expires_at=now - dt.timedelta(days=1))
    live_offer = InterventionFactory(status=InterventionStatus.SENT, expires_at=now + dt.timedelta(days=1))
    stale = InterventionFactory()
    Intervention.objects.filter(pk=stale.pk).update(created_at=now - dt.timedelta(days=8))

    counts = interventions_expire(now=now)

    assert counts == {"sent": 1, "proposed": 1}
    statuses = dict(Intervention.objects.values_list("pk", "status"))
    assert statuses == {old_offer.pk: "expired", live_offer.pk: "sent", stale.pk: "expired"}


@pytest.mark.django_db
def test_undecided_proposals_expire_together_each_with_its_audit_row_at_the_given_moment():
    # given: three proposals made nine days before `now`, one made yesterday
    now = timezone.now() - dt.timedelta(days=100)  # a replayed night's moment
    stale = [InterventionFactory(created_at=now - dt.timedelta(days=9)) for _ in range(3)]
    fresh = InterventionFactory(created_at=now - dt.timedelta(days=1))

    # when
    counts = interventions_expire(now=now)

    # then
    assert counts == {"sent": 0, "proposed": 3}
    assert set(Intervention.objects.filter(status="expired").values_list("pk", flat=True)) == {i.pk for i in stale}
    events = InterventionEvent.objects.filter(to_status="expired")
    assert sorted(events.values_list("intervention_id", "from_status", "note", "at")) == sorted(
        (i.pk, "proposed", "not decided in time", now) for i in stale
    )
    fresh.refresh_from_db()
    assert fresh.status == "proposed"


@pytest.mark.django_db
def test_a_second_approval_is_a_state_conflict_whatever_discount_it_asks_for():
    intervention = InterventionFactory()
    staff = StaffUserFactory()
    intervention_approve(intervention_id=intervention.pk, user=staff)

    with pytest.raises(TransitionError):
        intervention_approve(intervention_id=intervention.pk, user=staff, discount_amount=Decimal("99999"))


@pytest.mark.django_db
def test_the_approval_queue_shows_the_reason_as_a_sentence(admin_client):
    InterventionFactory(addresses_reason="complaints_90d")  # the factory's prediction has this reason's text

    page = admin_client.get("/admin/interventions/intervention/?status__exact=proposed").content.decode()

    assert "2 complaints in the last 90 days" in page


@pytest.mark.django_db
def test_service_recovery_offers_the_service_that_went_wrong():
    # given: a customer whose latest complaint was about a plumbing job
    from customers.tests.factories import ComplaintFactory, existing_service

    prediction = at_risk_customer(7)
    prediction.reasons = [{"feature": "complaints_90d", "value": 1, "contribution": 0.9, "text_en": "", "text_bn": ""}]
    prediction.save()
    plumbing = BookingFactory(customer=prediction.customer, service=existing_service("plumbing-leak"))
    before_scoring = timezone.make_aware(dt.datetime.combine(AS_OF - dt.timedelta(days=3), dt.time(12)))
    ComplaintFactory(customer=prediction.customer, booking=plumbing, created_at=before_scoring)
    ComplaintFactory(customer=prediction.customer, booking=BookingFactory(customer=prediction.customer))  # after it

    # when
    interventions_propose(as_of=AS_OF)

    # then
    intervention = Intervention.objects.get(customer=prediction.customer)
    assert (intervention.action, intervention.service.slug) == ("service_recovery", "plumbing-leak")
