"""The hand-off to interventions: a redeemed code marks its intervention redeemed, in the same transaction.

The interventions service is replaced by a stand-in module, so these tests pin the call, not its implementation.
"""

import sys
import types
from decimal import Decimal

import pytest
from django.utils import timezone

from interventions.tests.factories import InterventionFactory
from payments.models import Redemption
from payments.services import discount_code_redeem
from payments.tests.factories import DiscountCodeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def mark_redeemed(monkeypatch):
    calls = []
    fake = types.ModuleType("interventions.services.queue")
    fake.intervention_mark_redeemed = lambda **kwargs: calls.append(kwargs)
    monkeypatch.setitem(sys.modules, "interventions.services.queue", fake)
    return calls


def test_redeeming_a_code_of_an_intervention_marks_it_redeemed(mark_redeemed):
    # given
    intervention = InterventionFactory()
    code = DiscountCodeFactory(customer=intervention.customer, intervention=intervention)

    # when
    redemption = discount_code_redeem(
        code=code.code, customer=code.customer, order_amount=Decimal("1200"), idempotency_key="k"
    )

    # then
    assert mark_redeemed == [{"intervention_id": intervention.pk, "redeemed_at": redemption.redeemed_at}]


def test_a_replayed_redemption_does_not_mark_again(mark_redeemed):
    # given
    intervention = InterventionFactory()
    code = DiscountCodeFactory(customer=intervention.customer, intervention=intervention)
    kwargs = {"code": code.code, "customer": code.customer, "order_amount": Decimal("1200"), "idempotency_key": "k"}

    # when
    discount_code_redeem(**kwargs)
    discount_code_redeem(**kwargs)

    # then
    assert len(mark_redeemed) == 1


def test_a_code_without_intervention_does_not_call_interventions(mark_redeemed):
    code = DiscountCodeFactory()

    discount_code_redeem(code=code.code, customer=code.customer, order_amount=Decimal("1200"), idempotency_key="k")

    assert mark_redeemed == []


def test_when_marking_fails_the_redemption_is_rolled_back(monkeypatch):
    # given
    def refuse(**kwargs):
        raise RuntimeError("intervention is not in a redeemable state")

    fake = types.ModuleType("interventions.services.queue")
    fake.intervention_mark_redeemed = refuse
    monkeypatch.setitem(sys.modules, "interventions.services.queue", fake)
    intervention = InterventionFactory()
    code = DiscountCodeFactory(customer=intervention.customer, intervention=intervention)

    # when
    with pytest.raises(RuntimeError, match="redeemable state"):
        discount_code_redeem(code=code.code, customer=code.customer, order_amount=Decimal("1200"), idempotency_key="k")

    # then
    code.refresh_from_db()
    assert code.uses == 0
    assert Redemption.objects.count() == 0


def test_with_the_real_interventions_service_a_sent_intervention_becomes_redeemed():
    # given
    from interventions.models import InterventionStatus

    intervention = InterventionFactory(status=InterventionStatus.SENT, sent_at=timezone.now())
    code = DiscountCodeFactory(customer=intervention.customer, intervention=intervention, max_uses=2)

    # when
    for key in ("a", "b"):
        discount_code_redeem(code=code.code, customer=code.customer, order_amount=Decimal("1200"), idempotency_key=key)

    # then
    intervention.refresh_from_db()
    assert intervention.status == InterventionStatus.REDEEMED
    code.refresh_from_db()
    assert code.uses == 2
