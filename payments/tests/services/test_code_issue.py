import re
from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone

from customers.tests.factories import CustomerFactory
from interventions.tests.factories import InterventionFactory
from payments.models import DiscountCode, DiscountKind
from payments.services import codes as codes_module
from payments.services import discount_code_deactivate, discount_code_issue, normalise_code
from payments.tests.factories import DiscountCodeFactory

pytestmark = pytest.mark.django_db

CODE_RE = re.compile(r"SHEBA-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}")


def test_issued_codes_are_random_in_the_unambiguous_alphabet():
    # given
    customer = CustomerFactory()

    # when
    codes = [
        discount_code_issue(customer=customer, kind=DiscountKind.AMOUNT, value=Decimal("200")).code for _ in range(30)
    ]

    # then
    assert all(CODE_RE.fullmatch(code) for code in codes)
    assert not any(ch in "".join(codes).replace("SHEBA", "") for ch in "01OI")
    assert len(set(codes)) == 30


def test_issue_stores_the_offer_with_its_expiry():
    # given
    intervention = InterventionFactory()
    before = timezone.now()

    # when
    code = discount_code_issue(
        customer=intervention.customer,
        intervention=intervention,
        kind=DiscountKind.PERCENT,
        value=Decimal("15"),
        max_uses=3,
        min_order=Decimal("800"),
        valid_days=7,
    )

    # then
    code.refresh_from_db()
    assert (code.kind, code.value, code.max_uses, code.uses, code.min_order) == (
        "percent",
        Decimal("15.00"),
        3,
        0,
        Decimal("800.00"),
    )
    assert code.intervention == intervention
    assert code.is_active
    assert 7 * 86400 - 5 <= (code.expires_at - before).total_seconds() <= 7 * 86400 + 5


def test_issue_retries_when_the_drawn_code_already_exists():
    # given
    taken = DiscountCodeFactory()
    drawn = iter([taken.code, "SHEBA-AAAA-BBBB"])

    # when
    with mock.patch.object(codes_module, "_new_code", side_effect=lambda: next(drawn)):
        code = discount_code_issue(customer=taken.customer, kind=DiscountKind.AMOUNT, value=Decimal("100"))

    # then
    assert code.code == "SHEBA-AAAA-BBBB"
    assert DiscountCode.objects.count() == 2


def test_issue_gives_up_after_repeated_collisions():
    # given
    taken = DiscountCodeFactory()

    # when / then
    with (
        mock.patch.object(codes_module, "_new_code", return_value=taken.code),
        pytest.raises(RuntimeError, match="free discount code"),
    ):
        discount_code_issue(customer=taken.customer, kind=DiscountKind.AMOUNT, value=Decimal("100"))


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"kind": DiscountKind.AMOUNT, "value": Decimal("0")}, "value", "more than zero"),
        ({"kind": DiscountKind.AMOUNT, "value": Decimal("-5")}, "value", "more than zero"),
        ({"kind": DiscountKind.PERCENT, "value": Decimal("101")}, "value", "cannot exceed 100%"),
        ({"kind": DiscountKind.AMOUNT, "value": Decimal("50"), "max_uses": 0}, "max_uses", "at least one use"),
        ({"kind": DiscountKind.AMOUNT, "value": Decimal("50"), "valid_days": 0}, "valid_days", "at least one day"),
        ({"kind": DiscountKind.AMOUNT, "value": Decimal("50"), "min_order": Decimal("-1")}, "min_order", "negative"),
        ({"kind": "bogus", "value": Decimal("50")}, "kind", "not a valid choice"),
    ],
)
def test_issue_refuses_bad_offers_with_clear_errors(kwargs, field, message):
    # when
    with pytest.raises(ValidationError) as error:
        discount_code_issue(customer=CustomerFactory(), **kwargs)

    # then
    assert message in " ".join(error.value.message_dict[field])
    assert DiscountCode.objects.count() == 0


def test_issue_refuses_an_intervention_of_another_customer():
    with pytest.raises(ValidationError, match="another customer"):
        discount_code_issue(
            customer=CustomerFactory(), intervention=InterventionFactory(), kind="amount", value=Decimal("50")
        )


def test_database_refuses_a_percent_above_100_even_without_the_service():
    with pytest.raises(IntegrityError, match="code_percent_at_most_100"):
        DiscountCodeFactory(kind=DiscountKind.PERCENT, value=Decimal("150"))


@pytest.mark.parametrize(
    "typed",
    [
        "SHEBA-7KQ4-M9XD",
        "sheba-7kq4-m9xd",
        " SHEBA 7KQ4 M9XD ",
        "sheba7kq4m9xd",
        "7KQ4-M9XD",
        "7kq4m9xd",
        "SHEBA_7KQ4_M9XD",
    ],
)
def test_normalise_accepts_what_customers_type(typed):
    assert normalise_code(typed) == "SHEBA-7KQ4-M9XD"


@pytest.mark.parametrize(
    "typed", ["", "SHEBA", "SHEBA-7KQ4-M9X", "SHEBA-7KQ4-M9XDD", "SHEBA-0KQ4-M9XD", "SHEBA-IKQ4-M9XD", "X" * 200]
)
def test_normalise_rejects_malformed_codes(typed):
    assert normalise_code(typed) is None


def test_deactivate_switches_the_code_off_once():
    # given
    code = DiscountCodeFactory()

    # when
    discount_code_deactivate(code=code)
    again = discount_code_deactivate(code=code)

    # then
    assert again.is_active is False
    code.refresh_from_db()
    assert code.is_active is False
