"""Payment gateways behind one interface, with mock bKash, Nagad and bank/card implementations for local runs and tests.

The mocks keep their payments in process memory and answer in the shapes the real APIs use (bKash tokenized
checkout, Nagad's checkout, an SSLCommerz-like card gateway). They can time out or decline, either at a configured
rate (settings PAYMENTS_MOCK_*) or deterministically through `fail_next`, and they honour idempotency keys: the same
key always names the same payment, so a retried initiate never charges twice.

Callbacks are signed: HMAC-SHA256 of the canonical JSON of the payload with the gateway's secret
(settings PAYMENTS_GATEWAY_SECRETS), hex-encoded, sent in the X-Signature header.
"""

import hashlib
import hmac
import json
import random
import secrets
import threading
from abc import ABC, abstractmethod
from collections import deque
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone


class GatewayError(Exception):
    """The gateway answered and said no (declined, insufficient balance, unknown payment)."""

    def __init__(self, message: str, *, response: dict | None = None) -> None:
        super().__init__(message)
        self.response = response or {}


class GatewayTimeout(Exception):
    """The gateway did not answer in time: whether the call took effect is unknown, so retry with the same key."""


class GatewayStatus:
    """A gateway payment's state in our words, whatever the gateway calls it."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    FAILED = "failed"
    REFUNDED = "refunded"


@dataclass(frozen=True)
class GatewayPayment:
    reference: str
    redirect_url: str
    response: dict = field(default_factory=dict)


@dataclass(frozen=True)
class GatewayResult:
    status: str
    response: dict = field(default_factory=dict)


@dataclass(frozen=True)
class CallbackResult:
    reference: str
    succeeded: bool
    response: dict = field(default_factory=dict)


def canonical_json(payload: dict) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


class PaymentGateway(ABC):
    name: str

    def __init__(self, *, secret: str) -> None:
        self.secret = secret

    @abstractmethod
    def initiate(
        self, *, amount: Decimal, customer_phone: str, idempotency_key: str, callback_url: str
    ) -> GatewayPayment: ...

    @abstractmethod
    def confirm(self, *, reference: str) -> GatewayResult: ...

    @abstractmethod
    def refund(self, *, reference: str, amount: Decimal) -> GatewayResult: ...

    @abstractmethod
    def parse_callback(self, payload: dict) -> CallbackResult:
        """The payment a (verified) callback is about and whether the customer paid; ValueError when malformed."""

    def sign(self, payload: dict) -> str:
        return hmac.new(self.secret.encode(), canonical_json(payload), hashlib.sha256).hexdigest()

    def verify_callback(self, payload: dict, signature: str) -> bool:
        """Constant-time check of the payload's HMAC-SHA256; always False without a secret or a signature."""
        if not self.secret or not signature or not isinstance(payload, dict):
            return False
        return hmac.compare_digest(self.sign(payload), signature.strip().lower())


@dataclass
class _MockPayment:
    reference: str
    amount: Decimal
    customer_phone: str
    idempotency_key: str
    callback_url: str
    status: str = GatewayStatus.PENDING
    paid: bool | None = None  # what the customer did on the gateway's page: None = not yet
    trx_id: str = ""
    refund_id: str = ""
    created_at: str = field(default_factory=lambda: timezone.now().isoformat())


class MockGateway(PaymentGateway):
    """In-memory gateway with failure injection; subclasses only shape the messages."""

    reference_prefix = "MOCK"

    def __init__(self, *, secret: str, timeout_rate: float = 0.0, failure_rate: float = 0.0, seed: int = 0) -> None:
        super().__init__(secret=secret)
        self.timeout_rate = timeout_rate
        self.failure_rate = failure_rate
        self._random = random.Random(f"{self.name}:{seed}")  # noqa: S311 - simulated faults, not security
        self._lock = threading.Lock()
        self._by_reference: dict[str, _MockPayment] = {}
        self._by_key: dict[str, _MockPayment] = {}
        self._scripted: deque[tuple[str, str]] = deque()
        self.calls: list[tuple[str, dict]] = []

    # Test hooks --------------------------------------------------------------------------------------------
    def fail_next(self, operation: str, *, how: str = "timeout", times: int = 1) -> None:
        """Make the next `times` calls of `operation` (initiate, confirm, refund) time out or be declined."""
        if how not in ("timeout", "decline"):
            raise ValueError("how must be 'timeout' or 'decline'")
        self._scripted.extend([(operation, how)] * times)

    def simulate_customer(self, *, reference: str, pays: bool = True) -> dict:
        """The customer completes (or cancels) payment on the gateway page; returns the callback payload."""
        payment = self._payment(reference)
        payment.paid = pays
        return self.callback_payload(payment)

    def signed_callback(self, *, reference: str, pays: bool = True) -> tuple[dict, str]:
        payload = self.simulate_customer(reference=reference, pays=pays)
        return payload, self.sign(payload)

    def reset(self) -> None:
        with self._lock:
            self._by_reference.clear()
            self._by_key.clear()
            self._scripted.clear()
            self.calls.clear()

    # The interface -----------------------------------------------------------------------------------------
    def initiate(
        self, *, amount: Decimal, customer_phone: str, idempotency_key: str, callback_url: str
    ) -> GatewayPayment:
        self._record("initiate", amount=str(amount), idempotency_key=idempotency_key)
        with self._lock:
            payment = self._by_key.get(idempotency_key)
            if payment is None:
                self._maybe_fail("initiate")
                payment = _MockPayment(
                    reference=self._new_reference(),
                    amount=Decimal(amount),
                    customer_phone=customer_phone,
                    idempotency_key=idempotency_key,
                    callback_url=callback_url,
                )
                self._by_key[idempotency_key] = payment
                self._by_reference[payment.reference] = payment
            elif payment.amount != Decimal(amount):
                raise GatewayError(
                    "idempotency key already used for a different amount",
                    response=self.error_response("2065", "Duplicate merchant invoice with a different amount"),
                )
        response = self.initiate_response(payment)
        return GatewayPayment(reference=payment.reference, redirect_url=self.redirect_url(payment), response=response)

    def confirm(self, *, reference: str) -> GatewayResult:
        self._record("confirm", reference=reference)
        with self._lock:
            payment = self._payment(reference)
            self._maybe_fail("confirm")
            if payment.status == GatewayStatus.PENDING and payment.paid is not None:
                if payment.paid:
                    payment.status = GatewayStatus.CONFIRMED
                    payment.trx_id = payment.trx_id or self._new_trx_id()
                else:
                    payment.status = GatewayStatus.FAILED
        return GatewayResult(status=payment.status, response=self.confirm_response(payment))

    def refund(self, *, reference: str, amount: Decimal) -> GatewayResult:
        self._record("refund", reference=reference, amount=str(amount))
        with self._lock:
            payment = self._payment(reference)
            self._maybe_fail("refund")
            if payment.status == GatewayStatus.REFUNDED:  # idempotent: refunding twice returns the first refund
                return GatewayResult(status=payment.status, response=self.refund_response(payment))
            if payment.status != GatewayStatus.CONFIRMED:
                raise GatewayError("only a completed payment can be refunded", response=self.error_response("2071"))
            if Decimal(amount) > payment.amount:
                raise GatewayError("refund above the paid amount", response=self.error_response("2072"))
            payment.status = GatewayStatus.REFUNDED
            payment.refund_id = self._new_trx_id()
        return GatewayResult(status=payment.status, response=self.refund_response(payment))

    # Message shapes, overridden per gateway ----------------------------------------------------------------
    def redirect_url(self, payment: _MockPayment) -> str:
        return f"https://sandbox.{self.name}.example/pay/{payment.reference}"

    def initiate_response(self, payment: _MockPayment) -> dict:
        return {"reference": payment.reference, "amount": str(payment.amount), "status": "Initiated"}

    def confirm_response(self, payment: _MockPayment) -> dict:
        return {"reference": payment.reference, "status": payment.status, "trx_id": payment.trx_id}

    def refund_response(self, payment: _MockPayment) -> dict:
        return {"reference": payment.reference, "refund_id": payment.refund_id, "status": payment.status}

    def error_response(self, code: str, message: str = "Request failed") -> dict:
        return {"errorCode": code, "errorMessage": message}

    def callback_payload(self, payment: _MockPayment) -> dict:
        return {"reference": payment.reference, "status": "success" if payment.paid else "failure"}

    # Where each gateway's callback names the payment, and the status value that means paid.
    callback_reference = "reference"
    callback_success = "success"
    callback_label = "callback payload"

    def parse_callback(self, payload: dict) -> CallbackResult:
        try:
            return CallbackResult(
                reference=str(payload[self.callback_reference]),
                succeeded=payload["status"] == self.callback_success,
                response=payload,
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"{self.callback_label} lacks {exc}") from None

    # Internals ---------------------------------------------------------------------------------------------
    def _payment(self, reference: str) -> _MockPayment:
        payment = self._by_reference.get(reference)
        if payment is None:
            raise GatewayError(f"unknown payment {reference}", response=self.error_response("2023", "Invalid payment"))
        return payment

    def _record(self, operation: str, **arguments: Any) -> None:
        self.calls.append((operation, arguments))

    def _maybe_fail(self, operation: str) -> None:
        if self._scripted and self._scripted[0][0] == operation:
            _, how = self._scripted.popleft()
        elif self.timeout_rate and self._random.random() < self.timeout_rate:
            how = "timeout"
        elif self.failure_rate and self._random.random() < self.failure_rate:
            how = "decline"
        else:
            return
        if how == "timeout":
            raise GatewayTimeout(f"{self.name} did not answer the {operation} call in time")
        raise GatewayError(f"{self.name} declined the {operation} call", response=self.error_response("2001"))

    def _new_reference(self) -> str:
        return f"{self.reference_prefix}{secrets.token_hex(8).upper()}"

    def _new_trx_id(self) -> str:
        return secrets.token_hex(5).upper()


class MockBkashGateway(MockGateway):
    """bKash tokenized checkout: create payment → customer approves on bkashURL → callback → execute (= confirm)."""

    name = "bkash"
    reference_prefix = "TR0011"
    callback_reference = "paymentID"
    callback_success = "success"
    callback_label = "bKash callback"

    def redirect_url(self, payment: _MockPayment) -> str:
        return f"https://sandbox.payment.bkash.com/?paymentId={payment.reference}&hash=mock"

    def initiate_response(self, payment: _MockPayment) -> dict:
        return {
            "statusCode": "0000",
            "statusMessage": "Successful",
            "paymentID": payment.reference,
            "bkashURL": self.redirect_url(payment),
            "callbackURL": payment.callback_url,
            "amount": str(payment.amount),
            "intent": "sale",
            "currency": "BDT",
            "paymentCreateTime": payment.created_at,
            "transactionStatus": "Initiated",
            "merchantInvoiceNumber": payment.idempotency_key,
        }

    def confirm_response(self, payment: _MockPayment) -> dict:
        status = {"confirmed": "Completed", "failed": "Failure", "refunded": "Completed", "pending": "Initiated"}
        return {
            "statusCode": "0000" if payment.status != GatewayStatus.FAILED else "2056",
            "statusMessage": "Successful" if payment.status != GatewayStatus.FAILED else "Payment cancelled",
            "paymentID": payment.reference,
            "trxID": payment.trx_id,
            "transactionStatus": status[payment.status],
            "amount": str(payment.amount),
            "currency": "BDT",
            "intent": "sale",
            "paymentExecuteTime": timezone.now().isoformat(),
            "merchantInvoiceNumber": payment.idempotency_key,
            "customerMsisdn": payment.customer_phone,
        }

    def refund_response(self, payment: _MockPayment) -> dict:
        return {
            "statusCode": "0000",
            "statusMessage": "Successful",
            "originalTrxID": payment.trx_id,
            "refundTrxID": payment.refund_id,
            "transactionStatus": "Completed",
            "amount": str(payment.amount),
            "currency": "BDT",
            "charge": "0.00",
            "completedTime": timezone.now().isoformat(),
        }

    def error_response(self, code: str, message: str = "Request failed") -> dict:
        return {"statusCode": code, "statusMessage": message}

    def callback_payload(self, payment: _MockPayment) -> dict:
        return {
            "paymentID": payment.reference,
            "status": "success" if payment.paid else "cancel",
            "signature": "",  # bKash puts nothing here; our signature travels in the X-Signature header
            "apiVersion": "1.2.0-beta",
        }


class MockNagadGateway(MockGateway):
    """Nagad checkout: initialize → complete → customer pays → callback → verify payment (= confirm)."""

    name = "nagad"
    reference_prefix = "MDEx"
    callback_reference = "payment_ref_id"
    callback_success = "Success"
    callback_label = "Nagad callback"
    merchant_id = "683002007104225"

    def redirect_url(self, payment: _MockPayment) -> str:
        return f"https://sandbox-ssl.mynagad.com:10061/check-out/MDExMDEyNDQ{payment.reference}"

    def initiate_response(self, payment: _MockPayment) -> dict:
        return {
            "status": "Success",
            "paymentReferenceId": payment.reference,
            "callBackUrl": self.redirect_url(payment),
            "orderId": payment.idempotency_key,
            "amount": str(payment.amount),
        }

    def confirm_response(self, payment: _MockPayment) -> dict:
        status = {"confirmed": "Success", "failed": "Aborted", "refunded": "Success", "pending": "Initiated"}
        return {
            "merchantId": self.merchant_id,
            "orderId": payment.idempotency_key,
            "paymentRefId": payment.reference,
            "amount": str(payment.amount),
            "clientMobileNo": payment.customer_phone,
            "merchantMobileNo": "01711428036",
            "orderDateTime": payment.created_at,
            "issuerPaymentDateTime": timezone.now().isoformat(),
            "issuerPaymentRefNo": payment.trx_id,
            "status": status[payment.status],
            "statusCode": "000" if payment.status != GatewayStatus.FAILED else "001",
        }

    def refund_response(self, payment: _MockPayment) -> dict:
        return {
            "status": "Success",
            "paymentRefId": payment.reference,
            "refundRefId": payment.refund_id,
            "refundAmount": str(payment.amount),
        }

    def error_response(self, code: str, message: str = "Request failed") -> dict:
        return {"reason": code, "message": message}

    def callback_payload(self, payment: _MockPayment) -> dict:
        return {
            "merchant": self.merchant_id,
            "order_id": payment.idempotency_key,
            "payment_ref_id": payment.reference,
            "status": "Success" if payment.paid else "Aborted",
            "status_code": "00_0000_000" if payment.paid else "00_1000_001",
            "message": "Successful Transaction" if payment.paid else "Customer aborted",
            "payment_dt": timezone.now().strftime("%Y%m%d%H%M%S"),
        }


class MockBankGateway(MockGateway):
    """A card/bank aggregator shaped like SSLCommerz: session → hosted page → IPN → validation (= confirm)."""

    name = "bank"
    reference_prefix = "SSL"
    callback_reference = "sessionkey"
    callback_success = "VALID"
    callback_label = "bank callback"

    def redirect_url(self, payment: _MockPayment) -> str:
        return f"https://sandbox.sslcommerz.com/EasyCheckOut/testcde{payment.reference.lower()}"

    def initiate_response(self, payment: _MockPayment) -> dict:
        return {
            "status": "SUCCESS",
            "sessionkey": payment.reference,
            "GatewayPageURL": self.redirect_url(payment),
            "tran_id": payment.idempotency_key,
        }

    def confirm_response(self, payment: _MockPayment) -> dict:
        status = {"confirmed": "VALID", "failed": "FAILED", "refunded": "VALID", "pending": "PENDING"}
        return {
            "status": status[payment.status],
            "sessionkey": payment.reference,
            "tran_id": payment.idempotency_key,
            "val_id": payment.trx_id,
            "amount": str(payment.amount),
            "currency": "BDT",
            "card_type": "VISA-Dutch Bangla",
            "bank_tran_id": payment.trx_id,
        }

    def refund_response(self, payment: _MockPayment) -> dict:
        return {
            "APIConnect": "DONE",
            "bank_tran_id": payment.trx_id,
            "refund_ref_id": payment.refund_id,
            "status": "success",
        }

    def error_response(self, code: str, message: str = "Request failed") -> dict:
        return {"status": "FAILED", "failedreason": f"{code}: {message}"}

    def callback_payload(self, payment: _MockPayment) -> dict:
        return {
            "sessionkey": payment.reference,
            "tran_id": payment.idempotency_key,
            "amount": str(payment.amount),
            "currency": "BDT",
            "status": "VALID" if payment.paid else "FAILED",
            "card_type": "VISA-Dutch Bangla",
        }


GATEWAY_CLASSES: dict[str, type[MockGateway]] = {
    cls.name: cls for cls in (MockBkashGateway, MockNagadGateway, MockBankGateway)
}
_instances: dict[str, MockGateway] = {}
_instances_lock = threading.Lock()


def get_gateway(name: str) -> MockGateway:
    """The process-wide gateway for a name (one instance, so its idempotency memory is shared); KeyError if unknown."""
    cls = GATEWAY_CLASSES[name]
    with _instances_lock:
        if name not in _instances:
            _instances[name] = cls(
                secret=settings.PAYMENTS_GATEWAY_SECRETS.get(name, ""),
                timeout_rate=settings.PAYMENTS_MOCK_TIMEOUT_RATE,
                failure_rate=settings.PAYMENTS_MOCK_FAILURE_RATE,
                seed=settings.PAYMENTS_MOCK_SEED,
            )
        return _instances[name]


def reset_gateways() -> None:
    """Forget every mock payment and rebuild the gateways from settings (tests)."""
    with _instances_lock:
        _instances.clear()
