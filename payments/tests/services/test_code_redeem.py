import datetime as dt
import logging
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from customers.tests.factories import BookingFactory, CustomerFactory
from payments.models import DiscountKind, Redemption
from payments.services import (
    CodeRejected,
    IdempotencyKeyReused,
    discount_code_check,
    discount_code_redeem,
)
from payments.tests.factories import DiscountCodeFactory

pytestmark = pytest.mark.django_db


def redeem(code, *, customer=None, order_amount="1200", key="key-1", **kwargs):
    return discount_code_redeem(
        code=code.code if hasattr(code, "code") else code,
        customer=customer or code.customer,
        order_amount=Decimal(order_amount),
        idempotency_key=key,
        **kwargs,
    )


@pytest.mark.parametrize(
    ("kind", "value", "order_amount", "expected"),
    [
        (DiscountKind.AMOUNT, "200", "1200", "200.00"),
        (DiscountKind.AMOUNT, "500", "350", "350.00"),  # capped at the order
        (DiscountKind.PERCENT, "15", "1200", "180.00"),
        (DiscountKind.PERCENT, "15", "999", "150.00"),  # 149.85 → whole Taka
        (DiscountKind.PERCENT, "12.5", "1004", "126.00"),  # 125.50 rounds half up
        (DiscountKind.PERCENT, "10", "1234.40", "123.00"),  # 123.44 → 123
        (DiscountKind.PERCENT, "100", "640.50", "640.50"),  # never more than the order
    ],
)
def test_discount_amounts_are_exact(kind, value, order_amount, expected):
    # given
    code = DiscountCodeFactory(kind=kind, value=Decimal(value), min_order=Decimal("0"))

    # when
    check = discount_code_check(code=code.code, customer=code.customer, order_amount=Decimal(order_amount))
    redemption = redeem(code, order_amount=order_amount)

    # then
    assert check.discount_amount == Decimal(expected)
    assert check.code == code
    assert redemption.discount_amount == Decimal(expected)
    assert redemption.order_amount == Decimal(order_amount)


def test_redeem_uses_the_code_once_and_records_the_redemption():
    # given
    code = DiscountCodeFactory(value=Decimal("200"), min_order=Decimal("500"))
    booking = BookingFactory(customer=code.customer)

    # when
    redemption = redeem(code, order_amount="1200", key="order-77", booking=booking)

    # then
    code.refresh_from_db()
    assert code.uses == 1
    assert redemption.code.uses == 1
    row = Redemption.objects.get()
    assert (row.code, row.customer, row.booking, row.idempotency_key) == (code, code.customer, booking, "order-77")
    assert (row.order_amount, row.discount_amount) == (Decimal("1200.00"), Decimal("200.00"))


def test_redeem_accepts_the_code_as_customers_type_it():
    # given
    code = DiscountCodeFactory()
    typed = f"  {code.code.lower().replace('-', ' ')} "

    # when
    redemption = redeem(typed, customer=code.customer)

    # then
    assert redemption.code == code


def test_a_code_without_owner_is_usable_by_anyone():
    # given
    code = DiscountCodeFactory(customer=None, max_uses=2)

    # when
    first = redeem(code, customer=CustomerFactory(), key="a")
    second = redeem(code, customer=CustomerFactory(), key="b")

    # then
    assert first.customer != second.customer
    code.refresh_from_db()
    assert code.uses == 2


def test_same_idempotency_key_returns_the_same_redemption_without_a_second_use():
    # given
    code = DiscountCodeFactory(max_uses=5)

    # when
    first = redeem(code, key="retry-me")
    second = redeem(code.code.lower(), customer=code.customer, key="retry-me")

    # then
    assert second.pk == first.pk
    code.refresh_from_db()
    assert code.uses == 1
    assert Redemption.objects.count() == 1


def test_a_replayed_single_use_redemption_is_returned_not_rejected_as_used_up():
    # given
    code = DiscountCodeFactory(max_uses=1)
    first = redeem(code, key="k")

    # when
    again = redeem(code, key="k")

    # then
    assert again.pk == first.pk


@pytest.mark.parametrize(
    "change",
    [
        {"order_amount": "1300"},
        {"other_code": True},
        {"other_customer": True},
    ],
)
def test_an_idempotency_key_reused_with_different_data_is_refused(change):
    # given
    code = DiscountCodeFactory(customer=None, max_uses=5)
    customer = CustomerFactory()
    redeem(code, customer=customer, key="k")
    other_code = DiscountCodeFactory(customer=None)
    kwargs = {
        "code": other_code.code if change.get("other_code") else code.code,
        "customer": CustomerFactory() if change.get("other_customer") else customer,
        "order_amount": change.get("order_amount", "1200"),
    }

    # when
    with pytest.raises(IdempotencyKeyReused, match="already used for a different redemption"):
        redeem(kwargs.pop("code"), key="k", **kwargs)

    # then
    assert Redemption.objects.count() == 1
    other_code.refresh_from_db()
    assert other_code.uses == 0


def test_a_multi_use_code_counts_up_to_its_maximum_then_is_used_up():
    # given
    code = DiscountCodeFactory(max_uses=3)

    # when
    for n in range(3):
        redemption = redeem(code, key=f"k{n}")
        assert redemption.code.max_uses - redemption.code.uses == 2 - n
    with pytest.raises(CodeRejected) as rejected:
        redeem(code, key="k3")

    # then
    assert rejected.value.reason_code == "used_up"
    code.refresh_from_db()
    assert code.uses == 3
    assert Redemption.objects.filter(code=code).count() == 3


def expired(code):
    code.expires_at = timezone.now() - dt.timedelta(minutes=1)
    code.save()


def inactive(code):
    code.is_active = False
    code.save()


def used_up(code):
    code.uses = code.max_uses
    code.save()


@pytest.mark.parametrize(
    ("prepare", "typed", "customer", "order_amount", "reason", "message"),
    [
        (None, "SHEBA-12", "owner", "1200", "malformed", "codes look like SHEBA-XXXX-XXXX"),
        (None, "not a code!", "owner", "1200", "malformed", "does not look like a discount code"),
        (None, "SHEBA-ZZZZ-ZZZZ", "owner", "1200", "unknown", "no such discount code"),
        (None, None, "stranger", "1200", "foreign", "no such discount code"),
        (inactive, None, "owner", "1200", "inactive", "withdrawn"),
        (expired, None, "owner", "1200", "expired", "expired"),
        (used_up, None, "owner", "1200", "used_up", "already been used"),
        (None, None, "owner", "499.99", "below_min_order", "at least Tk 500"),
        (None, None, "owner", "0", "invalid_order_amount", "more than zero"),
        (None, None, "owner", "-10", "invalid_order_amount", "more than zero"),
    ],
)
def test_every_rejection_has_a_reason_changes_nothing_and_is_logged(
    caplog, prepare, typed, customer, order_amount, reason, message
):
    # given
    code = DiscountCodeFactory(min_order=Decimal("500"), max_uses=1)
    if prepare:
        prepare(code)
    uses_before = code.uses
    who = code.customer if customer == "owner" else CustomerFactory()

    # when
    with caplog.at_level(logging.WARNING, logger="payments.services.codes"):
        with pytest.raises(CodeRejected) as checked:
            discount_code_check(code=typed or code.code, customer=who, order_amount=Decimal(order_amount))
        with pytest.raises(CodeRejected) as rejected:
            redeem(typed or code.code, customer=who, order_amount=order_amount)

    # then
    assert checked.value.reason_code == rejected.value.reason_code == reason
    assert message in rejected.value.message
    code.refresh_from_db()
    assert code.uses == uses_before
    assert Redemption.objects.count() == 0
    assert sum(f"reason={reason}" in record.getMessage() for record in caplog.records) == 2


def test_foreign_is_checked_before_the_state_of_the_code():
    """Another customer's expired code must not reveal that it exists (and has expired)."""
    # given
    code = DiscountCodeFactory()
    expired(code)

    # when
    with pytest.raises(CodeRejected) as rejected:
        redeem(code, customer=CustomerFactory())

    # then
    assert rejected.value.reason_code == "foreign"


def test_the_minimum_order_itself_qualifies():
    code = DiscountCodeFactory(min_order=Decimal("500"))

    assert redeem(code, order_amount="500").discount_amount == Decimal("200.00")


def test_rejection_details_say_what_would_qualify():
    code = DiscountCodeFactory(min_order=Decimal("500"))

    with pytest.raises(CodeRejected) as rejected:
        redeem(code, order_amount="300")

    assert rejected.value.details == {"min_order": "500.00", "order_amount": "300.00"}


def test_a_booking_of_another_customer_is_refused():
    code = DiscountCodeFactory()

    with pytest.raises(ValidationError, match="another customer"):
        redeem(code, booking=BookingFactory())

    code.refresh_from_db()
    assert code.uses == 0


@pytest.mark.parametrize("key", ["", "x" * 65])
def test_a_missing_or_oversized_idempotency_key_is_refused(key):
    code = DiscountCodeFactory()

    with pytest.raises(ValidationError, match="idempotency key"):
        redeem(code, key=key)
