"""factory_boy factories for discount codes, redemptions and payment transactions."""

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from customers.tests.factories import BookingFactory, CustomerFactory
from payments.models import DiscountCode, DiscountKind, Gateway, PaymentTransaction, Redemption, TransactionStatus
from payments.services.codes import CODE_ALPHABET, normalise_code


def code_for(n: int) -> str:
    """A well-formed code, distinct per n (factories need no randomness)."""
    body = ""
    for _ in range(8):
        n, digit = divmod(n, len(CODE_ALPHABET))
        body = CODE_ALPHABET[digit] + body
    return normalise_code(body)


class DiscountCodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DiscountCode

    code = factory.Sequence(code_for)
    customer = factory.SubFactory(CustomerFactory)
    intervention = None
    kind = DiscountKind.AMOUNT
    value = Decimal("200.00")
    max_uses = 1
    uses = 0
    min_order = Decimal("500.00")
    expires_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=30))
    is_active = True


class RedemptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Redemption

    customer = factory.SubFactory(CustomerFactory)
    code = factory.SubFactory(DiscountCodeFactory, customer=factory.SelfAttribute("..customer"), uses=1)
    booking = factory.SubFactory(BookingFactory, customer=factory.SelfAttribute("..customer"))
    order_amount = Decimal("1200.00")
    discount_amount = Decimal("200.00")
    idempotency_key = factory.Sequence(lambda n: f"redeem-{n:08d}")


class PaymentTransactionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PaymentTransaction

    customer = factory.SubFactory(CustomerFactory)
    booking = factory.SubFactory(BookingFactory, customer=factory.SelfAttribute("..customer"))
    gateway = Gateway.BKASH
    amount = Decimal("1000.00")
    status = TransactionStatus.CONFIRMED
    gateway_reference = factory.Sequence(lambda n: f"TRX{n:010d}")
    idempotency_key = factory.Sequence(lambda n: f"pay-{n:08d}")
    payload = factory.LazyAttribute(
        lambda o: {
            "log": [
                {
                    "step": "initiate",
                    "outcome": "ok",
                    "status": "initiated",
                    "data": {"paymentID": o.gateway_reference},
                },
                {
                    "step": "confirm",
                    "outcome": "confirmed",
                    "status": o.status,
                    "data": {"transactionStatus": "Completed"},
                },
            ]
        }
    )
