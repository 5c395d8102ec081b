"""Payments through a gateway: initiate, settle by callback or by asking, refund — every step kept in the payload log.

State machine: initiated → confirmed | failed, confirmed → refunded. Gateway calls are made outside row locks
except for refunds (the lock is what stops two refunds). A timeout never changes the status: the outcome is
unknown, so the transaction stays `initiated` with a `timeout` step in its log and the caller retries with the same
idempotency key (the gateway dedupes it) or waits for the callback.
"""

import logging
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db import transaction as db_transaction
from django.urls import reverse
from django.utils import timezone

from customers.models import Booking, Customer
from payments.gateways import GatewayError, GatewayStatus, GatewayTimeout, MockGateway, get_gateway
from payments.models import Gateway, PaymentTransaction, TransactionStatus

logger = logging.getLogger(__name__)


class PaymentError(Exception):
    """A payment request that was refused; `code` is the API's error code. Nothing was changed by it."""

    UNKNOWN_GATEWAY = "unknown_gateway"
    INVALID_SIGNATURE = "invalid_signature"
    MALFORMED_CALLBACK = "malformed_callback"
    UNKNOWN_REFERENCE = "unknown_reference"
    INVALID_STATE = "invalid_state"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    GATEWAY_TIMEOUT = "gateway_timeout"
    GATEWAY_DECLINED = "gateway_declined"

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _gateway(name: str) -> MockGateway:
    if name not in Gateway.values:
        logger.warning("payment request for unknown gateway %r", name[:20])
        raise PaymentError(PaymentError.UNKNOWN_GATEWAY, f"There is no payment gateway called {name!r}.")
    return get_gateway(name)


def _append_step(tx: PaymentTransaction, *, step: str, outcome: str, data: dict | None = None) -> None:
    tx.payload = dict(tx.payload or {})
    tx.payload["log"] = [
        *tx.payload.get("log", []),
        {"at": timezone.now().isoformat(), "step": step, "outcome": outcome, "status": tx.status, "data": data or {}},
    ]


def _save(tx: PaymentTransaction) -> None:
    tx.save(update_fields=["status", "gateway_reference", "payload", "updated_at"])


def _record_outside_lock(tx: PaymentTransaction, *, step: str, outcome: str, data: dict | None = None) -> None:
    """Log a step that changes no state (a timeout, a decline of a refund) on the current row."""
    with db_transaction.atomic():
        locked = PaymentTransaction.objects.select_for_update().get(pk=tx.pk)
        _append_step(locked, step=step, outcome=outcome, data=data)
        _save(locked)
    tx.refresh_from_db()


def transaction_redirect_url(tx: PaymentTransaction) -> str:
    """Where to send the customer to pay (empty until the gateway has accepted the payment)."""
    return (tx.payload or {}).get("redirect_url", "")


def payment_initiate(
    *,
    customer: Customer,
    amount: Decimal,
    gateway: str,
    idempotency_key: str,
    booking: Booking | None = None,
) -> PaymentTransaction:
    """Start a payment; the same idempotency key returns the same transaction and never charges twice.

    Raises PaymentError(gateway_timeout) when the gateway does not answer: the transaction stays initiated and a
    retry with the same key is safe. A decline gives a failed transaction.
    """
    gw = _gateway(gateway)
    amount = Decimal(amount)
    if not amount.is_finite() or amount <= 0:
        raise ValidationError({"amount": "The amount must be more than zero."})
    if not idempotency_key or len(idempotency_key) > 64:
        raise ValidationError({"idempotency_key": "Send an idempotency key of 1 to 64 characters."})
    if booking is not None and booking.customer_id != customer.pk:
        raise ValidationError({"booking": "The booking belongs to another customer."})

    tx = PaymentTransaction.objects.filter(idempotency_key=idempotency_key).first()
    if tx is None:
        tx = PaymentTransaction(
            customer=customer,
            booking=booking,
            gateway=gateway,
            amount=amount.quantize(Decimal("0.01")),
            idempotency_key=idempotency_key,
        )
        _append_step(tx, step="create", outcome="ok", data={"amount": str(tx.amount), "gateway": gateway})
        tx.full_clean(validate_unique=False)
        try:
            with db_transaction.atomic():
                tx.save(force_insert=True)
        except IntegrityError:
            tx = PaymentTransaction.objects.get(idempotency_key=idempotency_key)  # a concurrent twin got there first
    if tx.customer_id != customer.pk or tx.gateway != gateway or tx.amount != amount:
        logger.warning("payment idempotency key %r reused for a different payment", idempotency_key)
        raise PaymentError(
            PaymentError.IDEMPOTENCY_KEY_REUSED,
            "This idempotency key was already used for a different payment; send a new key for a new payment.",
        )
    if tx.gateway_reference or tx.status != TransactionStatus.INITIATED:
        return tx  # already accepted by the gateway (or failed): a replay

    callback_url = settings.PAYMENTS_CALLBACK_BASE_URL.rstrip("/") + reverse("api:payment-callback", args=[gateway])
    try:
        payment = gw.initiate(
            amount=tx.amount, customer_phone=customer.phone, idempotency_key=idempotency_key, callback_url=callback_url
        )
    except GatewayTimeout as exc:
        logger.warning("payment %s: %s gateway timed out on initiate; left initiated", tx.pk, gateway)
        _record_outside_lock(tx, step="initiate", outcome="timeout", data={"error": str(exc)})
        raise PaymentError(
            PaymentError.GATEWAY_TIMEOUT,
            f"{tx.get_gateway_display()} did not answer in time. Try again with the same idempotency key.",
        ) from exc
    except GatewayError as exc:
        logger.warning("payment %s: %s declined initiate: %s", tx.pk, gateway, exc)
        with db_transaction.atomic():
            locked = PaymentTransaction.objects.select_for_update().get(pk=tx.pk)
            if locked.status == TransactionStatus.INITIATED and not locked.gateway_reference:
                locked.status = TransactionStatus.FAILED
                _append_step(locked, step="initiate", outcome="declined", data={"error": str(exc), **exc.response})
                _save(locked)
        return locked

    with db_transaction.atomic():
        locked = PaymentTransaction.objects.select_for_update().get(pk=tx.pk)
        if not locked.gateway_reference:
            locked.gateway_reference = payment.reference
            locked.payload = {**locked.payload, "redirect_url": payment.redirect_url}
            _append_step(locked, step="initiate", outcome="ok", data=payment.response)
            _save(locked)
    logger.info("payment %s initiated with %s as %s", locked.pk, gateway, locked.gateway_reference)
    return locked


def _settle(tx: PaymentTransaction, *, steps: list[tuple[str, str, dict]], gateway_status: str) -> PaymentTransaction:
    """Apply a gateway's answer to an initiated transaction under the row lock; later states are left alone."""
    target = {GatewayStatus.CONFIRMED: TransactionStatus.CONFIRMED, GatewayStatus.FAILED: TransactionStatus.FAILED}
    with db_transaction.atomic():
        locked = PaymentTransaction.objects.select_for_update().get(pk=tx.pk)
        if locked.status != TransactionStatus.INITIATED:
            return locked  # a concurrent callback or confirm settled it first
        if gateway_status in target:
            locked.status = target[gateway_status]
        for step, outcome, data in steps:
            _append_step(locked, step=step, outcome=outcome, data=data)
        _save(locked)
    logger.info("payment %s is %s (gateway says %s)", locked.pk, locked.status, gateway_status)
    return locked


def payment_confirm(*, transaction: PaymentTransaction, callback: dict | None = None) -> PaymentTransaction:
    """Ask the gateway how an initiated payment ended (bKash execute, Nagad verify, bank validation) and record it."""
    if transaction.status != TransactionStatus.INITIATED:
        return transaction
    if not transaction.gateway_reference:
        raise PaymentError(PaymentError.INVALID_STATE, "The gateway has not accepted this payment yet.")
    gw = _gateway(transaction.gateway)
    steps = [("callback", "success", callback)] if callback is not None else []
    try:
        result = gw.confirm(reference=transaction.gateway_reference)
    except GatewayTimeout as exc:
        logger.warning("payment %s: %s timed out on confirm; left initiated", transaction.pk, transaction.gateway)
        _settle(transaction, steps=[*steps, ("confirm", "timeout", {"error": str(exc)})], gateway_status="unknown")
        raise PaymentError(
            PaymentError.GATEWAY_TIMEOUT,
            f"{transaction.get_gateway_display()} did not answer in time; the payment is still being confirmed.",
        ) from exc
    except GatewayError as exc:
        logger.warning("payment %s: %s refused confirm: %s", transaction.pk, transaction.gateway, exc)
        return _settle(
            transaction,
            steps=[*steps, ("confirm", "declined", {"error": str(exc), **exc.response})],
            gateway_status=GatewayStatus.FAILED,
        )
    return _settle(
        transaction, steps=[*steps, ("confirm", result.status, result.response)], gateway_status=result.status
    )


def payment_callback(*, gateway: str, payload: dict, signature: str) -> PaymentTransaction:
    """Apply a gateway's signed callback; a repeat is a no-op; a bad signature or unknown payment changes nothing."""
    gw = _gateway(gateway)
    if not gw.verify_callback(payload, signature):
        # Whoever sent it is unauthenticated: nothing of what they sent is logged, only how much.
        logger.warning("payment callback from %s refused: bad signature (%s fields)", gateway, len(payload))
        raise PaymentError(PaymentError.INVALID_SIGNATURE, "The callback signature does not match its payload.")
    try:
        result = gw.parse_callback(payload)
    except ValueError as exc:
        logger.warning("payment callback from %s refused: %s", gateway, exc)
        raise PaymentError(PaymentError.MALFORMED_CALLBACK, str(exc)) from exc
    tx = PaymentTransaction.objects.filter(gateway=gateway, gateway_reference=result.reference).first()
    if tx is None:
        logger.warning("payment callback from %s for unknown reference %r", gateway, result.reference)
        raise PaymentError(PaymentError.UNKNOWN_REFERENCE, f"No payment has the reference {result.reference!r}.")

    already = (
        {TransactionStatus.CONFIRMED, TransactionStatus.REFUNDED} if result.succeeded else {TransactionStatus.FAILED}
    )
    if tx.status in already:
        logger.info("payment %s: repeated %s callback ignored", tx.pk, gateway)
        return tx
    if tx.status != TransactionStatus.INITIATED:
        logger.warning("payment %s: %s callback contradicts status %s", tx.pk, gateway, tx.status)
        raise PaymentError(
            PaymentError.INVALID_STATE, f"The payment is already {tx.get_status_display().lower()}; callback ignored."
        )
    if result.succeeded:
        return payment_confirm(transaction=tx, callback=result.response)
    return _settle(tx, steps=[("callback", "failure", result.response)], gateway_status=GatewayStatus.FAILED)


def payment_refund(*, transaction: PaymentTransaction, amount: Decimal | None = None) -> PaymentTransaction:
    """Refund a confirmed payment in full (refunding a refunded one returns it unchanged).

    Partial refunds are not supported: the status could not say how much is left.
    """
    amount = transaction.amount if amount is None else Decimal(amount)
    if amount != transaction.amount:
        raise ValidationError({"amount": f"Only full refunds are supported (Tk {transaction.amount})."})
    gw = _gateway(transaction.gateway)
    failure: tuple[str, Exception] | None = None
    # The row stays locked during the gateway call: that lock is what makes a double refund impossible.
    with db_transaction.atomic():
        locked = PaymentTransaction.objects.select_for_update().get(pk=transaction.pk)
        if locked.status == TransactionStatus.REFUNDED:
            return locked
        if locked.status != TransactionStatus.CONFIRMED:
            logger.warning("payment %s: refund refused in status %s", locked.pk, locked.status)
            raise PaymentError(
                PaymentError.INVALID_STATE,
                f"Only a confirmed payment can be refunded; this one is {locked.get_status_display().lower()}.",
            )
        try:
            result = gw.refund(reference=locked.gateway_reference, amount=amount)
        except (GatewayTimeout, GatewayError) as exc:
            failure = ("timeout" if isinstance(exc, GatewayTimeout) else "declined", exc)
        else:
            locked.status = TransactionStatus.REFUNDED
            _append_step(locked, step="refund", outcome="ok", data=result.response)
            _save(locked)
    if failure is None:
        logger.info("payment %s refunded (Tk %s)", locked.pk, amount)
        return locked
    outcome, exc = failure
    logger.warning("payment %s: refund %s at %s: %s", locked.pk, outcome, locked.gateway, exc)
    _record_outside_lock(locked, step="refund", outcome=outcome, data={"error": str(exc)})
    if outcome == "timeout":
        raise PaymentError(
            PaymentError.GATEWAY_TIMEOUT,
            f"{locked.get_gateway_display()} did not answer in time; the refund can be retried safely.",
        ) from exc
    raise PaymentError(PaymentError.GATEWAY_DECLINED, f"{locked.get_gateway_display()} declined the refund: {exc}")
