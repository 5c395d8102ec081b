"""Channel backends: one `send()` for SMS, email and push, and the in-process mock SMS and push gateways.

A backend turns whatever its gateway answers into a `SendResult` or one of two exceptions: `TemporaryFailure`
(try again later: timeouts, 5xx, rate limits) or `PermanentFailure` (retrying cannot help: invalid number or
address, blocked recipient). `idempotency_key` is passed to the gateway so a retried request never sends twice.
"""

import datetime as dt
import hashlib
import itertools
import math
import random
import re
import smtplib
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from email.utils import make_msgid, parseaddr
from typing import Any, Protocol

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.html import linebreaks
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class SendResult:
    gateway_message_id: str
    accepted_at: dt.datetime
    # What the gateway charged for: SMS segments and their price in Tk (0 for channels that cost nothing per message).
    segments: int = 1
    cost_tk: Decimal = Decimal("0.00")


class BackendFailure(Exception):
    """A gateway refused or did not answer; `reason` says why in words an operator can act on."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class TemporaryFailure(BackendFailure):
    """Try again later: timeout, gateway error (5xx), rate limit."""


class PermanentFailure(BackendFailure):
    """Retrying cannot help: invalid number or address, blocked recipient, message the gateway will never take."""


class NotificationBackend(Protocol):
    """What every channel backend offers; a real gateway is plugged in through settings.NOTIFICATION_BACKENDS."""

    def send(self, *, recipient: str, subject: str, body: str, idempotency_key: str) -> SendResult: ...


def backend_for(channel: str) -> NotificationBackend:
    """The configured backend of a channel ("sms", "email", "push")."""
    try:
        path = settings.NOTIFICATION_BACKENDS[channel]
    except KeyError:
        raise ImproperlyConfigured(f"NOTIFICATION_BACKENDS has no backend for the channel {channel!r}") from None
    return import_string(path)()


# --- SMS arithmetic -----------------------------------------------------------------------------------------------

# GSM 03.38: the basic set costs one 7-bit unit per character, the extension set two (escape + character).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")


@dataclass(frozen=True)
class SmsSize:
    encoding: str  # "GSM-7" or "UCS-2" (anything outside GSM-7, e.g. Bengali, makes the whole message Unicode)
    units: int  # GSM-7 septets or UTF-16 code units
    segments: int


def sms_size(text: str) -> SmsSize:
    """Segments a message takes: GSM-7 160 per single SMS, 153 per part; Unicode 70 single, 67 per part."""
    if all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text):
        encoding, units, single, part = "GSM-7", sum(2 if ch in GSM7_EXTENSION else 1 for ch in text), 160, 153
    else:
        encoding, units, single, part = "UCS-2", len(text.encode("utf-16-le")) // 2, 70, 67
    segments = 1 if units <= single else math.ceil(units / part)
    return SmsSize(encoding=encoding, units=units, segments=segments)


# --- In-process mock gateways -------------------------------------------------------------------------------------

# Scripted failure kinds: what the gateway does instead of sending.
TIMEOUT = "timeout"  # the request never reached the gateway
TIMEOUT_AFTER_ACCEPT = "timeout_after_accept"  # the gateway sent the message but the answer was lost
SERVER_ERROR = "server_error"  # 503
RATE_LIMITED = "rate_limited"  # 429
BLOCKED = "blocked"  # the recipient blocked us (SMS: operator DND list; push: app uninstalled)
FAILURE_KINDS = (TIMEOUT, TIMEOUT_AFTER_ACCEPT, SERVER_ERROR, RATE_LIMITED, BLOCKED)


@dataclass
class GatewayMessage:
    """One message a mock gateway accepted: the outbox tests and the demo inspect."""

    message_id: str
    client_reference: str
    to: str
    body: str
    accepted_at: dt.datetime
    title: str = ""
    sender_id: str = ""
    encoding: str = ""
    segments: int = 1
    cost_tk: Decimal = Decimal("0.00")
    status: str = "ACCEPTED"  # → DELIVERED when the delivery report comes
    delivered_at: dt.datetime | None = None


@dataclass(frozen=True)
class DeliveryReport:
    message_id: str
    status: str
    delivered_at: dt.datetime


@dataclass
class _ScriptedFailure:
    kind: str
    remaining: int
    to: str | None


@dataclass
class MockGateway:
    """The parts every mock gateway shares: outbox, idempotency by client reference, scripted failures, reports.

    One instance per process (`sms_gateway`, `push_gateway`): with Celery eager (tests, `make demo`) the outbox
    holds everything the app sent; a separate worker process has its own.
    """

    prefix: str
    failure_rate_setting: str
    outbox: list[GatewayMessage] = field(default_factory=list)
    _by_reference: dict[str, GatewayMessage] = field(default_factory=dict)
    _scripts: list[_ScriptedFailure] = field(default_factory=list)
    _serial: Callable[[], int] = field(default_factory=lambda: itertools.count(1).__next__)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        with self._lock:
            self.outbox.clear()
            self._by_reference.clear()
            self._scripts.clear()
            self._serial = itertools.count(1).__next__

    def fail(self, *, kind: str = TIMEOUT, times: int = 1, to: str | None = None) -> None:
        """Make the next `times` requests (to `to` only, if given) fail with `kind`: the deterministic test hook."""
        if kind not in FAILURE_KINDS:
            raise ValueError(f"unknown failure kind {kind!r}; one of {', '.join(FAILURE_KINDS)}")
        with self._lock:
            self._scripts.append(_ScriptedFailure(kind=kind, remaining=times, to=to))

    def sent_to(self, to: str) -> list[GatewayMessage]:
        return [message for message in self.outbox if message.to == to]

    def deliver(self, message_id: str | None = None) -> list[DeliveryReport]:
        """Mark accepted messages delivered (one, or all pending) and return their delivery reports."""
        now = timezone.now()
        reports = []
        with self._lock:
            for message in self.outbox:
                if message.status == "ACCEPTED" and message_id in (None, message.message_id):
                    message.status, message.delivered_at = "DELIVERED", now
                    reports.append(DeliveryReport(message_id=message.message_id, status="DELIVERED", delivered_at=now))
        return reports

    def _scripted_failure(self, to: str) -> str | None:
        for script in self._scripts:
            if script.remaining > 0 and script.to in (None, to):
                script.remaining -= 1
                return script.kind
        rate = getattr(settings, self.failure_rate_setting, 0.0)
        if rate and random.random() < rate:  # noqa: S311 - simulated network trouble, not security
            return TIMEOUT
        return None

    def _accept(self, *, client_reference: str, to: str, body: str, **details: Any) -> GatewayMessage:
        message = GatewayMessage(
            message_id=f"{self.prefix}-{self._serial():08d}",
            client_reference=client_reference,
            to=to,
            body=body,
            accepted_at=timezone.now(),
            **details,
        )
        self.outbox.append(message)
        self._by_reference[client_reference] = message
        return message


BD_MSISDN_RE = re.compile(r"^8801[3-9]\d{8}$")
SENDER_ID_RE = re.compile(r"^[A-Za-z0-9]{1,11}$|^8801[3-9]\d{8}$")


@dataclass
class MockSmsGateway(MockGateway):
    """Stands in for a Bangladeshi bulk-SMS provider's HTTP API (`POST /api/v3/send-sms`).

    Request: `sid` (sender id), `msisdn` (8801XXXXXXXXX), `sms` (text), `csms_id` (the client's unique reference:
    a second request with the same csms_id returns the first answer and sends nothing). Answer: a JSON-like dict
    `{"status": "SUCCESS"|"FAILED", "status_code": 200|4xxx|429|503, "error_message", "smsinfo": [...]}` with
    `reference_id`, `sms_type`, `segments` and `cost` per message. A timeout raises `TimeoutError`, as an HTTP client
    would.
    """

    prefix: str = "SMS"
    failure_rate_setting: str = "SMS_MOCK_FAILURE_RATE"

    def send_sms(self, *, sid: str, msisdn: str, sms: str, csms_id: str) -> dict[str, Any]:
        with self._lock:
            failure = self._scripted_failure(msisdn)
            if failure == TIMEOUT:
                raise TimeoutError("read timed out after 10 s")
            if failure in (SERVER_ERROR, RATE_LIMITED):
                code = 503 if failure == SERVER_ERROR else 429
                return self._refused(code, "Service unavailable" if code == 503 else "Too many requests")
            if previous := self._by_reference.get(csms_id):
                return self._success(previous, duplicate=True)
            if not BD_MSISDN_RE.match(msisdn):
                return self._refused(4001, f"Invalid MSISDN {msisdn}")
            if not SENDER_ID_RE.match(sid):
                return self._refused(4002, f"Invalid sender id {sid}")
            if not sms:
                return self._refused(4004, "Empty message")
            blocked = {number.lstrip("+") for number in settings.SMS_MOCK_BLOCKED_NUMBERS}
            if failure == BLOCKED or msisdn in blocked:
                return self._refused(4003, f"MSISDN {msisdn} is on the operator's do-not-disturb list")
            size = sms_size(sms)
            rate = Decimal(str(settings.SMS_COST_PER_SEGMENT_TK))
            message = self._accept(
                client_reference=csms_id,
                to=msisdn,
                body=sms,
                sender_id=sid,
                encoding=size.encoding,
                segments=size.segments,
                cost_tk=(rate * size.segments).quantize(Decimal("0.01")),
            )
            if failure == TIMEOUT_AFTER_ACCEPT:
                raise TimeoutError("read timed out after 10 s")
            return self._success(message, duplicate=False)

    @staticmethod
    def _success(message: GatewayMessage, *, duplicate: bool) -> dict[str, Any]:
        return {
            "status": "SUCCESS",
            "status_code": 200,
            "error_message": "",
            "smsinfo": [
                {
                    "sms_status": "SUCCESS",
                    "status_message": "Duplicate csms_id: already accepted" if duplicate else "Success",
                    "msisdn": message.to,
                    "sms_type": "EN" if message.encoding == "GSM-7" else "UNICODE",
                    "segments": message.segments,
                    "cost": str(message.cost_tk),
                    "csms_id": message.client_reference,
                    "reference_id": message.message_id,
                    "accepted_at": message.accepted_at.isoformat(),
                }
            ],
        }

    @staticmethod
    def _refused(code: int, error: str) -> dict[str, Any]:
        return {"status": "FAILED", "status_code": code, "error_message": error, "smsinfo": []}


PUSH_TOKEN_RE = re.compile(r"^mock-push:[0-9a-f]{40}$")
PUSH_PAYLOAD_LIMIT = 4096  # bytes, as FCM


@dataclass
class MockPushGateway(MockGateway):
    """Stands in for a push service (FCM-like): `send(token, title, body, message_key)` returns the message name or
    raises `MockPushError` with an FCM-style code (UNREGISTERED, INVALID_ARGUMENT, UNAVAILABLE, QUOTA_EXCEEDED)."""

    prefix: str = "PUSH"
    failure_rate_setting: str = "PUSH_MOCK_FAILURE_RATE"

    def send(self, *, token: str, title: str, body: str, message_key: str) -> str:
        with self._lock:
            failure = self._scripted_failure(token)
            if failure == TIMEOUT:
                raise TimeoutError("push service did not answer within 10 s")
            if failure in (SERVER_ERROR, RATE_LIMITED):
                raise MockPushError("UNAVAILABLE" if failure == SERVER_ERROR else "QUOTA_EXCEEDED")
            if previous := self._by_reference.get(message_key):
                return previous.message_id
            if not PUSH_TOKEN_RE.match(token):
                raise MockPushError("INVALID_ARGUMENT", f"malformed device token {token!r}")
            if len(title.encode()) + len(body.encode()) > PUSH_PAYLOAD_LIMIT:
                raise MockPushError("INVALID_ARGUMENT", f"payload larger than {PUSH_PAYLOAD_LIMIT} bytes")
            if failure == BLOCKED:
                raise MockPushError("UNREGISTERED", "the app was uninstalled from this device")
            message = self._accept(client_reference=message_key, to=token, body=body, title=title)
            if failure == TIMEOUT_AFTER_ACCEPT:
                raise TimeoutError("push service did not answer within 10 s")
            return message.message_id


class MockPushError(Exception):
    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code


sms_gateway = MockSmsGateway()
push_gateway = MockPushGateway()


def mock_device_token(customer_key: str) -> str:
    """The device token of a customer until the app registers real ones: derived from the customer's external id,
    so it is stable and needs no table. A real push backend would look the customer's devices up instead."""
    return "mock-push:" + hashlib.sha256(f"sheba-push:{customer_key}".encode()).hexdigest()[:40]


# --- Backends -----------------------------------------------------------------------------------------------------


class MockSmsBackend:
    """SMS through the mock bulk-SMS gateway; the subject is not sent (SMS has none)."""

    def __init__(self, gateway: MockSmsGateway | None = None):
        self.gateway = gateway or sms_gateway

    def send(self, *, recipient: str, subject: str, body: str, idempotency_key: str) -> SendResult:
        try:
            answer = self.gateway.send_sms(
                sid=settings.SMS_SENDER_ID, msisdn=recipient.lstrip("+"), sms=body, csms_id=idempotency_key
            )
        except TimeoutError as exc:
            raise TemporaryFailure(f"SMS gateway timeout: {exc}") from exc
        code = answer["status_code"]
        if code == 200:
            info = answer["smsinfo"][0]
            return SendResult(
                gateway_message_id=info["reference_id"],
                accepted_at=dt.datetime.fromisoformat(info["accepted_at"]),
                segments=info["segments"],
                cost_tk=Decimal(info["cost"]),
            )
        reason = f"SMS gateway answered {code}: {answer['error_message']}"
        if code == 429 or 500 <= code < 600:
            raise TemporaryFailure(reason)
        raise PermanentFailure(reason)


class MockPushBackend:
    """Push through the mock push service; `recipient` is a device token (see `mock_device_token`)."""

    def __init__(self, gateway: MockPushGateway | None = None):
        self.gateway = gateway or push_gateway

    def send(self, *, recipient: str, subject: str, body: str, idempotency_key: str) -> SendResult:
        try:
            message_id = self.gateway.send(token=recipient, title=subject, body=body, message_key=idempotency_key)
        except TimeoutError as exc:
            raise TemporaryFailure(f"push service timeout: {exc}") from exc
        except MockPushError as exc:
            if exc.code in ("UNAVAILABLE", "QUOTA_EXCEEDED", "INTERNAL"):
                raise TemporaryFailure(f"push service: {exc}") from exc
            raise PermanentFailure(f"push service: {exc}") from exc
        return SendResult(gateway_message_id=message_id, accepted_at=timezone.now(), segments=1)


EMAIL_SENT_TTL = 30 * 24 * 3600  # seconds a sent key is remembered


class DjangoEmailBackend:
    """Email through Django's EMAIL_BACKEND (SMTP in production, locmem in tests), text with an HTML alternative.

    SMTP has no idempotency key, so the key is remembered in the cache (Redis in production) after a send and a
    second send with the same key returns the first result. The notification's own state (checked under a row lock
    by the service) is the main guard; the cache covers a worker that died after sending but before saving.
    """

    def send(self, *, recipient: str, subject: str, body: str, idempotency_key: str) -> SendResult:
        try:
            validate_email(recipient)
        except ValidationError:
            raise PermanentFailure(f"invalid email address {recipient!r}") from None
        cache_key = f"notifications:email-sent:{idempotency_key}"
        if previous := cache.get(cache_key):
            return SendResult(**previous)
        from_email = settings.NOTIFICATION_FROM_EMAIL
        domain = parseaddr(from_email)[1].rpartition("@")[2] or "localhost"
        message_id = make_msgid(idstring=re.sub(r"[^A-Za-z0-9-]", "-", idempotency_key), domain=domain)
        email = EmailMultiAlternatives(
            subject=subject,
            body=body,
            from_email=from_email,
            to=[recipient],
            headers={"Message-ID": message_id, "X-Idempotency-Key": idempotency_key},
        )
        email.attach_alternative(linebreaks(body, autoescape=True), "text/html")
        try:
            sent = email.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentFailure(f"mail server refused {recipient}: {exc.recipients}") from exc
        except ValueError as exc:  # BadHeaderError: a newline in the subject
            raise PermanentFailure(f"message cannot be sent: {exc}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise TemporaryFailure(f"mail server error: {exc}") from exc
        if sent != 1:
            raise TemporaryFailure("the email backend accepted no message")
        result = SendResult(gateway_message_id=message_id.strip("<>"), accepted_at=timezone.now(), segments=1)
        cache.set(cache_key, asdict(result), timeout=EMAIL_SENT_TTL)
        return result
