"""Discount codes: issue unguessable codes, check them with a clear reason, redeem them atomically and idempotently.

Payments serves whoever hands out offers (the approval queue today; loyalty rewards or campaigns later) without
knowing them: a code may carry a reference to the record it was issued for, and whoever needs to hear of a redemption
registers a listener (`redemption_listener_register`), called inside the redemption's transaction.
"""

import datetime as dt
import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac

from customers.models import Booking, Customer
from payments.models import DiscountCode, DiscountKind, Redemption
from sheba_retention.common.models import CustomerRecord

logger = logging.getLogger(__name__)

CODE_PREFIX = "SHEBA"
# No 0/O and no 1/I: a code read out over the phone or copied from an SMS cannot be mistyped between them.
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_GROUPS = 2
CODE_GROUP_LENGTH = 4  # 32**8 = 2**40 codes: guessing one is hopeless at the redeem endpoint's rate limit
CODE_FORMAT = f"{CODE_PREFIX}-" + "-".join(["XXXX"] * CODE_GROUPS)
_BODY_LENGTH = CODE_GROUPS * CODE_GROUP_LENGTH
_BODY_RE = re.compile(f"[{CODE_ALPHABET}]{{{_BODY_LENGTH}}}")
_ISSUE_ATTEMPTS = 5
TAKA = Decimal("1")
PAISA = Decimal("0.01")


class CodeRejection:
    """Why a code cannot be used; the values are the API's error codes (foreign is shown as unknown)."""

    MALFORMED = "malformed"
    UNKNOWN = "unknown"
    FOREIGN = "foreign"
    INACTIVE = "inactive"
    EXPIRED = "expired"
    USED_UP = "used_up"
    BELOW_MIN_ORDER = "below_min_order"
    INVALID_ORDER_AMOUNT = "invalid_order_amount"


class CodeRejected(Exception):
    def __init__(self, reason_code: str, message: str, details: dict | None = None) -> None:
        super().__init__(message)
        self.reason_code = reason_code
        self.message = message
        self.details = details or {}


class IdempotencyKeyReused(Exception):
    """The idempotency key already names a different redemption (other code, customer or amount)."""


@dataclass(frozen=True)
class CodeCheck:
    code: DiscountCode
    discount_amount: Decimal


RedemptionListener = Callable[[Redemption], None]
_redemption_listeners: list[RedemptionListener] = []


def redemption_listener_register(listener: RedemptionListener) -> RedemptionListener:
    """Call `listener(redemption)` for every new redemption, inside its transaction: a listener that raises undoes the
    redemption. A replayed request (same idempotency key) calls nobody. Registering the same listener twice is a
    no-op, so an app can register in `AppConfig.ready()`."""
    if listener not in _redemption_listeners:
        _redemption_listeners.append(listener)
    return listener


def normalise_code(raw: str) -> str | None:
    """The stored form SHEBA-XXXX-XXXX of what a customer typed (any case, spaces, dashes, prefix or not)."""
    compact = re.sub(r"[\s\-_]", "", raw or "").upper()
    if compact.startswith(CODE_PREFIX) and len(compact) == len(CODE_PREFIX) + _BODY_LENGTH:
        compact = compact[len(CODE_PREFIX) :]
    if not _BODY_RE.fullmatch(compact):
        return None
    groups = [compact[i : i + CODE_GROUP_LENGTH] for i in range(0, _BODY_LENGTH, CODE_GROUP_LENGTH)]
    return "-".join([CODE_PREFIX, *groups])


def code_ref(raw: str) -> str:
    """How logs name a code: a keyed hash, never the code (a bearer secret worth money to whoever reads it).

    The same code typed any way gets the same reference, so its issue, rejections and redemptions can be followed
    in the logs; `code_ref(code)` in a shell finds a known code's lines. Keyed with SECRET_KEY, so the 2**40 codes
    cannot be hashed one by one to find the one behind a reference.
    """
    normalised = normalise_code(raw) or (raw or "").strip()[:64]
    return "code#" + salted_hmac("payments.code_ref", normalised, algorithm="sha256").hexdigest()[:12]


def _new_code() -> str:
    body = "".join(secrets.choice(CODE_ALPHABET) for _ in range(_BODY_LENGTH))
    return normalise_code(body)  # type: ignore[return-value]


def discount_code_issue(
    *,
    customer: Customer | None,
    intervention: CustomerRecord | None = None,
    kind: str,
    value: Decimal,
    max_uses: int = 1,
    min_order: Decimal = Decimal("0"),
    valid_days: int = 14,
    now: dt.datetime | None = None,
) -> DiscountCode:
    """A new code with a random, unguessable value, valid for `valid_days` from `now` (default now); raises
    ValidationError on a bad offer."""
    if valid_days < 1:
        raise ValidationError({"valid_days": "A code must be valid for at least one day."})
    if max_uses < 1:
        raise ValidationError({"max_uses": "A code must allow at least one use."})
    if intervention is not None and customer is not None and intervention.customer_id != customer.pk:
        raise ValidationError({"intervention": "The intervention belongs to another customer."})
    code = DiscountCode(
        customer=customer,
        intervention_id=intervention.pk if intervention is not None else None,
        kind=kind,
        value=Decimal(value),
        max_uses=max_uses,
        min_order=Decimal(min_order),
        expires_at=(now or timezone.now()) + dt.timedelta(days=valid_days),
        code=_new_code(),
    )
    if code.kind == DiscountKind.PERCENT and code.value > 100:
        raise ValidationError({"value": "A percent discount cannot exceed 100%."})
    if code.value <= 0:
        raise ValidationError({"value": "The discount must be more than zero."})
    if code.min_order < 0:
        raise ValidationError({"min_order": "The minimum order cannot be negative."})
    code.full_clean(exclude=["code"])
    for _ in range(_ISSUE_ATTEMPTS):
        try:
            with transaction.atomic():
                code.save(force_insert=True)
        except IntegrityError:
            if not DiscountCode.objects.filter(code=code.code).exists():
                raise
            code.code = _new_code()  # a collision: 1 in 2**40 per code already issued
            code.pk = None
            continue
        logger.info("discount code %s issued to customer %s", code_ref(code.code), code.customer_id)
        return code
    raise RuntimeError(f"Could not find a free discount code in {_ISSUE_ATTEMPTS} attempts.")


def discount_code_deactivate(*, code: DiscountCode) -> DiscountCode:
    """Switch a code off (idempotent): it can no longer be redeemed or offered."""
    with transaction.atomic():
        locked = DiscountCode.objects.select_for_update().get(pk=code.pk)
        if locked.is_active:
            locked.is_active = False
            locked.save(update_fields=["is_active", "updated_at"])
            logger.info("discount code %s deactivated", code_ref(locked.code))
    return locked


def discount_code_update_check(*, code: DiscountCode, max_uses: int, min_order: Decimal) -> None:
    """ValidationError (per field) for a change discount_code_update would refuse; the admin form asks it too."""
    if max_uses < max(code.uses, 1):
        raise ValidationError(
            {"max_uses": f"The code has been used {code.uses} time(s): allow at least {max(code.uses, 1)}."}
        )
    if min_order < 0:
        raise ValidationError({"min_order": "The minimum order cannot be negative."})


def discount_code_update(
    *, code_id: int, is_active: bool, expires_at: dt.datetime, max_uses: int, min_order: Decimal
) -> DiscountCode:
    """What staff may change once a code is issued: withdraw or reactivate it, extend or shorten it, allow more or
    fewer uses (never fewer than it has had), raise or lower its minimum order. What it is worth stays as promised."""
    with transaction.atomic():
        code = DiscountCode.objects.select_for_update().get(pk=code_id)
        discount_code_update_check(code=code, max_uses=max_uses, min_order=min_order)
        changed = {
            field: value
            for field, value in (
                ("is_active", is_active),
                ("expires_at", expires_at),
                ("max_uses", max_uses),
                ("min_order", Decimal(min_order)),
            )
            if getattr(code, field) != value
        }
        if changed:
            for field, value in changed.items():
                setattr(code, field, value)
            code.full_clean(exclude=["code"])
            code.save(update_fields=[*changed, "updated_at"])
            logger.info("discount code %s changed: %s", code.pk, ", ".join(changed))
    return code


def discount_amount_for(*, code: DiscountCode, order_amount: Decimal) -> Decimal:
    """Amount codes are capped at the order; percent codes are rounded to whole Taka (half up)."""
    if code.kind == DiscountKind.PERCENT:
        amount = (order_amount * code.value / 100).quantize(TAKA, rounding=ROUND_HALF_UP)
    else:
        amount = code.value
    return min(amount, order_amount).quantize(PAISA)


def _reject(reason_code: str, message: str, *, raw: str, customer: Customer, **details) -> CodeRejected:
    logger.warning(
        "discount code rejected: reason=%s code=%s (%s characters typed) customer=%s details=%s",
        reason_code,
        code_ref(raw),  # what was typed may be a real code, another customer's: never in clear
        len(raw or ""),
        getattr(customer, "pk", None),
        details,
    )
    return CodeRejected(reason_code, message, details)


def _checked(
    *,
    raw: str,
    normalised: str | None,
    code: DiscountCode | None,
    customer: Customer,
    order_amount,
    now: dt.datetime | None = None,
) -> Decimal:
    """The discount, or CodeRejected; ownership is checked before state so another customer's code reveals nothing."""
    if normalised is None:
        raise _reject(
            CodeRejection.MALFORMED,
            f"That does not look like a discount code; codes look like {CODE_FORMAT}.",
            raw=raw,
            customer=customer,
            expected_format=CODE_FORMAT,
        )
    if code is None:
        raise _reject(CodeRejection.UNKNOWN, "There is no such discount code.", raw=raw, customer=customer)
    if code.customer_id is not None and code.customer_id != customer.pk:
        raise _reject(CodeRejection.FOREIGN, "There is no such discount code.", raw=raw, customer=customer)
    if not code.is_active:
        raise _reject(CodeRejection.INACTIVE, "This discount code has been withdrawn.", raw=raw, customer=customer)
    if code.expires_at <= (now or timezone.now()):
        raise _reject(
            CodeRejection.EXPIRED,
            "This discount code has expired.",
            raw=raw,
            customer=customer,
            expired_at=code.expires_at.isoformat(),
        )
    if code.uses >= code.max_uses:
        raise _reject(
            CodeRejection.USED_UP,
            "This discount code has already been used.",
            raw=raw,
            customer=customer,
            max_uses=code.max_uses,
        )
    if order_amount < code.min_order:
        raise _reject(
            CodeRejection.BELOW_MIN_ORDER,
            f"This code needs an order of at least Tk {code.min_order:,.0f}.",
            raw=raw,
            customer=customer,
            min_order=str(code.min_order),
            order_amount=str(order_amount),
        )
    return discount_amount_for(code=code, order_amount=order_amount)


def _valid_order_amount(order_amount, *, raw: str, customer: Customer) -> Decimal:
    try:
        amount = Decimal(order_amount)
    except (ArithmeticError, TypeError, ValueError):
        amount = None
    if amount is None or not amount.is_finite() or amount <= 0:
        raise _reject(
            CodeRejection.INVALID_ORDER_AMOUNT, "The order amount must be more than zero.", raw=raw, customer=customer
        )
    return amount.quantize(PAISA)


def discount_code_check(*, code: str, customer: Customer, order_amount: Decimal) -> CodeCheck:
    """Whether the customer may use the code on this order and what it takes off; raises CodeRejected."""
    amount = _valid_order_amount(order_amount, raw=code, customer=customer)
    normalised = normalise_code(code)
    found = DiscountCode.objects.filter(code=normalised).first() if normalised else None
    discount = _checked(raw=code, normalised=normalised, code=found, customer=customer, order_amount=amount)
    return CodeCheck(code=found, discount_amount=discount)  # type: ignore[arg-type]


def _replayed(*, idempotency_key: str, normalised: str | None, customer: Customer, amount: Decimal):
    existing = Redemption.objects.select_related("code").filter(idempotency_key=idempotency_key).first()
    if existing is None:
        return None
    if existing.customer_id != customer.pk or existing.code.code != normalised or existing.order_amount != amount:
        logger.warning("idempotency key %r reused for a different redemption", idempotency_key)
        raise IdempotencyKeyReused(
            "This idempotency key was already used for a different redemption; send a new key for a new redemption."
        )
    return existing


def discount_code_redeem(
    *,
    code: str,
    customer: Customer,
    order_amount: Decimal,
    idempotency_key: str,
    booking: Booking | None = None,
    now: dt.datetime | None = None,
) -> Redemption:
    """Use the code once; the same idempotency key returns the same Redemption without using the code again.

    `now`: the moment of the redemption (default now), which the code's expiry is checked against."""
    if not idempotency_key or len(idempotency_key) > 64:
        raise ValidationError({"idempotency_key": "Send an idempotency key of 1 to 64 characters."})
    if booking is not None and booking.customer_id != customer.pk:
        raise ValidationError({"booking": "The booking belongs to another customer."})
    amount = _valid_order_amount(order_amount, raw=code, customer=customer)
    normalised = normalise_code(code)
    if existing := _replayed(idempotency_key=idempotency_key, normalised=normalised, customer=customer, amount=amount):
        return existing
    with transaction.atomic():
        # The row lock serialises redemptions of one code: the second waits, then sees the first one's use.
        locked = DiscountCode.objects.select_for_update().filter(code=normalised).first() if normalised else None
        # A request with the same key may have committed while this one waited for the lock.
        if existing := _replayed(
            idempotency_key=idempotency_key, normalised=normalised, customer=customer, amount=amount
        ):
            return existing
        discount = _checked(
            raw=code, normalised=normalised, code=locked, customer=customer, order_amount=amount, now=now
        )
        assert locked is not None  # _checked refuses a code that does not exist
        try:
            with transaction.atomic():
                # Conditional as well as locked: the database itself refuses a use beyond max_uses.
                updated = DiscountCode.objects.filter(pk=locked.pk, uses__lt=F("max_uses")).update(
                    uses=F("uses") + 1, updated_at=timezone.now()
                )
                if not updated:
                    raise _reject(
                        CodeRejection.USED_UP,
                        "This discount code has already been used.",
                        raw=code,
                        customer=customer,
                        max_uses=locked.max_uses,
                    )
                redemption = Redemption.objects.create(
                    code=locked,
                    customer=customer,
                    booking=booking,
                    order_amount=amount,
                    discount_amount=discount,
                    idempotency_key=idempotency_key,
                    redeemed_at=now or timezone.now(),
                )
        except IntegrityError:
            # Only the idempotency key can clash: a concurrent request with the same key on another code.
            logger.warning("idempotency key %r taken by a concurrent redemption", idempotency_key)
            raise IdempotencyKeyReused(
                "This idempotency key was already used for a different redemption; send a new key."
            ) from None
        locked.refresh_from_db(fields=["uses", "updated_at"])
        redemption.code = locked
        for listener in _redemption_listeners:
            listener(redemption)
    logger.info(
        "discount code %s redeemed by customer %s: Tk %s off Tk %s (use %s of %s)",
        code_ref(locked.code),
        customer.pk,
        discount,
        amount,
        locked.uses,
        locked.max_uses,
    )
    return redemption
