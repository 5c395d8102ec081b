"""Channel backends: SMS arithmetic and the mock gateway's API, push, and email through Django's backend."""

from decimal import Decimal

import pytest
from django.core import mail

from notifications.backends import (
    BLOCKED,
    RATE_LIMITED,
    SERVER_ERROR,
    TIMEOUT,
    TIMEOUT_AFTER_ACCEPT,
    DjangoEmailBackend,
    MockPushBackend,
    MockSmsBackend,
    PermanentFailure,
    TemporaryFailure,
    backend_for,
    mock_device_token,
    push_gateway,
    sms_gateway,
    sms_size,
)

PHONE = "+8801712345678"
BENGALI = "আ"


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("a" * 306, "GSM-7", 306, 2),
        ("a" * 307, "GSM-7", 307, 3),
        ("{" * 80, "GSM-7", 160, 1),  # extension characters take two units
        ("{" * 81, "GSM-7", 162, 2),
        (BENGALI * 70, "UCS-2", 70, 1),
        (BENGALI * 71, "UCS-2", 71, 2),
        (BENGALI * 134, "UCS-2", 134, 2),
        (BENGALI * 135, "UCS-2", 135, 3),
        ("a" * 69 + BENGALI, "UCS-2", 70, 1),  # one Bengali letter makes the whole message Unicode
        ("a" * 70 + BENGALI, "UCS-2", 71, 2),
    ],
)
def test_sms_size_counts_segments(text, encoding, units, segments):
    # when
    size = sms_size(text)

    # then
    assert (size.encoding, size.units, size.segments) == (encoding, units, segments)


def send_sms(body="Tk 200 off your next AC servicing", recipient=PHONE, key="key-1"):
    return MockSmsBackend().send(recipient=recipient, subject="ignored", body=body, idempotency_key=key)


def test_sms_send_puts_one_message_in_the_outbox_with_its_price():
    # when
    result = send_sms(body=BENGALI * 71)

    # then
    assert result.gateway_message_id == "SMS-00000001"
    assert (result.segments, result.cost_tk) == (2, Decimal("0.70"))
    [message] = sms_gateway.outbox
    assert (message.to, message.sender_id, message.encoding, message.segments) == (
        "8801712345678",
        "ShebaXYZ",
        "UCS-2",
        2,
    )
    assert message.body == BENGALI * 71
    assert message.client_reference == "key-1"


def test_sms_resend_with_the_same_idempotency_key_sends_nothing_new():
    # given
    first = send_sms(key="notification-7")

    # when
    second = send_sms(key="notification-7")

    # then
    assert second.gateway_message_id == first.gateway_message_id
    assert len(sms_gateway.outbox) == 1


@pytest.mark.parametrize("recipient", ["+8801212345678", "+880171234567", "01712345678x", "+441712345678", ""])
def test_sms_to_an_invalid_bangladeshi_number_is_a_permanent_failure(recipient):
    # when
    with pytest.raises(PermanentFailure) as failure:
        send_sms(recipient=recipient)

    # then
    assert "4001" in failure.value.reason
    assert sms_gateway.outbox == []


@pytest.mark.parametrize(
    ("kind", "exception", "reason"),
    [
        (TIMEOUT, TemporaryFailure, "SMS gateway timeout: read timed out after 10 s"),
        (SERVER_ERROR, TemporaryFailure, "SMS gateway answered 503: Service unavailable"),
        (RATE_LIMITED, TemporaryFailure, "SMS gateway answered 429: Too many requests"),
        (
            BLOCKED,
            PermanentFailure,
            "SMS gateway answered 4003: MSISDN 8801712345678 is on the operator's do-not-disturb list",
        ),
    ],
)
def test_sms_gateway_failures_map_to_temporary_or_permanent(kind, exception, reason):
    # given
    sms_gateway.fail(kind=kind, times=1)

    # when
    with pytest.raises(exception) as failure:
        send_sms()

    # then
    assert failure.value.reason == reason
    assert sms_gateway.outbox == []


def test_a_timeout_after_the_gateway_accepted_is_retried_without_a_second_message():
    # given
    sms_gateway.fail(kind=TIMEOUT_AFTER_ACCEPT, times=1)
    with pytest.raises(TemporaryFailure):
        send_sms(key="notification-9")

    # when
    result = send_sms(key="notification-9")

    # then
    assert len(sms_gateway.outbox) == 1
    assert result.gateway_message_id == sms_gateway.outbox[0].message_id


def test_scripted_failures_hit_only_the_given_number_and_run_out():
    # given
    sms_gateway.fail(kind=TIMEOUT, times=2, to="8801712345678")

    # when
    other = send_sms(recipient="+8801812345678", key="a")
    with pytest.raises(TemporaryFailure):
        send_sms(key="b")
    with pytest.raises(TemporaryFailure):
        send_sms(key="b")
    third = send_sms(key="b")

    # then
    assert [other.gateway_message_id, third.gateway_message_id] == ["SMS-00000001", "SMS-00000002"]


def test_blocked_numbers_from_settings_fail_permanently(settings):
    # given
    settings.SMS_MOCK_BLOCKED_NUMBERS = [PHONE]

    # when
    with pytest.raises(PermanentFailure, match="do-not-disturb"):
        send_sms()


def test_a_failure_rate_of_one_times_out_every_send(settings):
    # given
    settings.SMS_MOCK_FAILURE_RATE = 1.0

    # when
    with pytest.raises(TemporaryFailure, match="timeout"):
        send_sms()


def test_delivery_reports_mark_the_message_delivered_once():
    # given
    result = send_sms()

    # when
    reports = sms_gateway.deliver()
    again = sms_gateway.deliver()

    # then
    assert [(report.message_id, report.status) for report in reports] == [(result.gateway_message_id, "DELIVERED")]
    assert again == []
    assert sms_gateway.outbox[0].status == "DELIVERED"


def test_push_sends_once_per_key_and_rejects_a_malformed_token():
    # given
    token = mock_device_token("C0000001")
    backend = MockPushBackend()

    # when
    first = backend.send(recipient=token, subject="Title", body="Body", idempotency_key="k")
    second = backend.send(recipient=token, subject="Title", body="Body", idempotency_key="k")
    with pytest.raises(PermanentFailure, match="INVALID_ARGUMENT"):
        backend.send(recipient="not-a-token", subject="Title", body="Body", idempotency_key="k2")

    # then
    assert first.gateway_message_id == second.gateway_message_id == "PUSH-00000001"
    assert len(push_gateway.outbox) == 1
    assert token == mock_device_token("C0000001") != mock_device_token("C0000002")


def test_email_goes_through_django_once_per_key(settings):
    # given
    settings.NOTIFICATION_FROM_EMAIL = "Sheba <no-reply@sheba.example>"
    backend = DjangoEmailBackend()

    # when
    first = backend.send(recipient="rahima@example.com", subject="বিষয়", body="লাইন ১\nলাইন ২", idempotency_key="n-1")
    second = backend.send(recipient="rahima@example.com", subject="বিষয়", body="লাইন ১\nলাইন ২", idempotency_key="n-1")

    # then
    [email] = mail.outbox
    assert (email.subject, email.body, email.to, email.from_email) == (
        "বিষয়",
        "লাইন ১\nলাইন ২",
        ["rahima@example.com"],
        "Sheba <no-reply@sheba.example>",
    )
    assert email.alternatives[0].content == "<p>লাইন ১<br>লাইন ২</p>"
    assert email.extra_headers["X-Idempotency-Key"] == "n-1"
    assert first == second
    assert first.gateway_message_id.endswith("@sheba.example")


def test_email_to_an_invalid_address_is_a_permanent_failure():
    # when
    with pytest.raises(PermanentFailure, match="invalid email address"):
        DjangoEmailBackend().send(recipient="not-an-address", subject="s", body="b", idempotency_key="k")

    # then
    assert mail.outbox == []


def test_backend_for_follows_the_setting(settings):
    # given
    settings.NOTIFICATION_BACKENDS = {**settings.NOTIFICATION_BACKENDS, "sms": "notifications.backends.MockPushBackend"}

    # then
    assert isinstance(backend_for("sms"), MockPushBackend)
    assert isinstance(backend_for("email"), DjangoEmailBackend)
