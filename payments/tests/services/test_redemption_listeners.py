"""Payments reports a redemption to whoever registered to hear of it, inside the redemption's transaction."""

from decimal import Decimal

import pytest

from payments.models import Redemption
from payments.services import codes, discount_code_redeem, redemption_listener_register
from payments.tests.factories import DiscountCodeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard(monkeypatch):
    """Only this test's listener: the apps' own listeners are set aside."""
    calls: list[Redemption] = []
    monkeypatch.setattr(codes, "_redemption_listeners", [])
    redemption_listener_register(calls.append)
    return calls


def redeem(code, key="k"):
    return discount_code_redeem(
        code=code.code, customer=code.customer, order_amount=Decimal("1200"), idempotency_key=key
    )


def test_a_listener_hears_each_new_redemption_once(heard):
    # given
    code = DiscountCodeFactory(max_uses=2)

    # when
    first = redeem(code, "a")
    second = redeem(code, "b")

    # then
    assert [(r.pk, r.code.code, r.discount_amount) for r in heard] == [
        (first.pk, code.code, first.discount_amount),
        (second.pk, code.code, second.discount_amount),
    ]


def test_a_replayed_redemption_is_not_heard_again(heard):
    code = DiscountCodeFactory()

    redeem(code)
    redeem(code)

    assert len(heard) == 1


def test_registering_a_listener_twice_calls_it_once(heard):
    redemption_listener_register(heard.append)

    redeem(DiscountCodeFactory())

    assert len(heard) == 1


def test_when_a_listener_refuses_the_redemption_is_rolled_back(monkeypatch):
    # given
    def refuse(redemption):
        raise RuntimeError("the offer is not in a redeemable state")

    monkeypatch.setattr(codes, "_redemption_listeners", [refuse])
    code = DiscountCodeFactory()

    # when
    with pytest.raises(RuntimeError, match="redeemable state"):
        redeem(code)

    # then
    code.refresh_from_db()
    assert code.uses == 0
    assert Redemption.objects.count() == 0
