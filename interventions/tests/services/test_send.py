import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from customers.tests.factories import StaffUserFactory
from interventions.models import InterventionStatus
from interventions.services.queue import (
    TransitionError,
    intervention_approve,
    intervention_mark_redeemed,
    intervention_send,
    interventions_expire,
)
from interventions.tests.factories import InterventionFactory
from notifications.models import Notification
from payments.models import DiscountCode
from payments.services.codes import CodeRejected, discount_code_redeem


def approved(**kwargs):
    intervention = InterventionFactory(
        message_en="Rahima, get Tk {amount} off with code {code} (valid till {until}).".replace("{amount}", "200"),
        message_bn="রহিমা, কোড {code} দিয়ে ৳২০০ ছাড় নিন ({until} পর্যন্ত)।",
        customer__language="bn",
        customer__preferred_channel="sms",
        **kwargs,
    )
    return intervention_approve(intervention_id=intervention.pk, user=StaffUserFactory())


@pytest.mark.django_db
def test_sending_issues_a_code_and_queues_the_message_in_the_customers_language():
    # given
    intervention = approved()

    # when
    sent = intervention_send(intervention_id=intervention.pk)

    # then
    code = DiscountCode.objects.get(intervention=sent)
    assert (code.customer, code.value, code.max_uses) == (sent.customer, Decimal("200.00"), 1)
    notification = Notification.objects.get(intervention=sent)
    assert notification.channel == "sms"
    assert notification.recipient == sent.customer.phone
    assert code.code in notification.body
    assert "{until}" not in notification.body
    assert notification.body.startswith("রহিমা, কোড ")
    assert sent.status == InterventionStatus.SENT
    assert sent.expires_at > timezone.now() + dt.timedelta(days=13)


@pytest.mark.django_db
def test_sending_twice_sends_once():
    intervention = approved()

    intervention_send(intervention_id=intervention.pk)
    intervention_send(intervention_id=intervention.pk)

    assert DiscountCode.objects.filter(intervention=intervention).count() == 1
    assert Notification.objects.filter(intervention=intervention).count() == 1


@pytest.mark.django_db
def test_only_approved_interventions_are_sent():
    proposed = InterventionFactory()

    with pytest.raises(TransitionError, match="only an approved one is sent"):
        intervention_send(intervention_id=proposed.pk)

    assert not Notification.objects.exists()
    assert not DiscountCode.objects.exists()


@pytest.mark.django_db
def test_redeeming_the_code_marks_the_intervention_redeemed():
    intervention = intervention_send(intervention_id=approved().pk)
    code = DiscountCode.objects.get(intervention=intervention)

    discount_code_redeem(
        code=code.code, customer=intervention.customer, order_amount=Decimal("1500"), idempotency_key="order-1"
    )

    intervention.refresh_from_db()
    assert intervention.status == InterventionStatus.REDEEMED


@pytest.mark.django_db
def test_an_expired_offer_switches_its_code_off():
    intervention = intervention_send(intervention_id=approved().pk)
    code = DiscountCode.objects.get(intervention=intervention)

    interventions_expire(now=intervention.expires_at + dt.timedelta(minutes=1))

    with pytest.raises(CodeRejected) as rejected:
        discount_code_redeem(
            code=code.code, customer=intervention.customer, order_amount=Decimal("1500"), idempotency_key="late"
        )
    assert rejected.value.reason_code in ("inactive", "expired")
    with pytest.raises(TransitionError):
        intervention_mark_redeemed(intervention_id=intervention.pk)


@pytest.mark.django_db
def test_approval_sends_after_commit_and_a_second_approval_sends_nothing(django_capture_on_commit_callbacks):
    # given
    intervention = InterventionFactory(message_en="Code {code} till {until}", message_bn="কোড {code} ({until})")
    staff = StaffUserFactory()

    # when: the send task runs (eagerly) once the approval commits
    with django_capture_on_commit_callbacks(execute=True):
        intervention_approve(intervention_id=intervention.pk, user=staff)
    with pytest.raises(TransitionError), django_capture_on_commit_callbacks(execute=True):
        intervention_approve(intervention_id=intervention.pk, user=staff)

    # then
    intervention.refresh_from_db()
    assert intervention.status == InterventionStatus.SENT
    assert Notification.objects.filter(intervention=intervention).count() == 1
    assert DiscountCode.objects.filter(intervention=intervention).count() == 1


@pytest.mark.django_db
def test_a_discount_changed_at_approval_is_the_one_the_customer_reads():
    # given a proposal whose message leaves the amount to sending
    intervention = InterventionFactory(
        message_en="Get Tk {amount} off with code {code} (valid till {until}).",
        message_bn="কোড {code} দিয়ে ৳{amount} ছাড় নিন ({until} পর্যন্ত)।",
        customer__language="bn",
    )

    # when staff approve it with Tk 450 instead of Tk 200
    intervention_approve(intervention_id=intervention.pk, user=StaffUserFactory(), discount_amount=Decimal("450"))
    intervention_send(intervention_id=intervention.pk)

    # then
    body = Notification.objects.get(intervention=intervention).body
    assert "৳৪৫০ ছাড়" in body
    assert DiscountCode.objects.get(intervention=intervention).value == Decimal("450.00")
