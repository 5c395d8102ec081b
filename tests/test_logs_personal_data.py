"""What the logs hold after the requests that used to leak: a customer search by phone and by e-mail, a rejected
redemption, a code issued and redeemed, an unsigned 1 MB payment callback. Captured twice: by caplog, and by the
production handler and formatter (settings.LOGGING with JSON lines) writing to a buffer; both are searched for the
phone, the e-mail address and the code."""

import io
import json
import logging
import logging.config
from decimal import Decimal

import pytest
from django.conf import settings

from conftest import client_of
from customers.tests.factories import CustomerFactory, StaffUserFactory, UserFactory
from payments.services.codes import code_ref, discount_code_issue

pytestmark = pytest.mark.django_db

PHONE = "+8801712345678"
EMAIL = "rahima.begum@example.com"


@pytest.fixture
def production_log():
    """The configured handler, filter and formatter as production runs them (JSON lines), into a buffer."""
    buffer = io.StringIO()
    config = json.loads(json.dumps(settings.LOGGING))
    config["formatters"]["structured"]["json_lines"] = True
    config["handlers"]["console"]["stream"] = buffer
    logging.config.dictConfig(config)
    yield buffer
    logging.config.dictConfig(settings.LOGGING)


@pytest.fixture
def logs(production_log, caplog):
    """Everything logged, as (production output, caplog's text, the production lines parsed)."""
    caplog.set_level(logging.INFO)

    def read():
        output = production_log.getvalue()
        return output, caplog.text, [json.loads(line) for line in output.splitlines()]

    return read


def requests_logged(lines):
    return [line for line in lines if line["logger"] == "sheba_retention.requests"]


def assert_absent(texts, *secrets):
    for text in texts:
        for secret in secrets:
            assert secret not in text, f"{secret!r} in the log"


def test_a_customer_search_by_phone_or_email_logs_neither(logs):
    # given
    staff = StaffUserFactory()
    CustomerFactory(phone=PHONE, email=EMAIL)
    client = client_of(staff)

    # when
    by_phone = client.get("/api/customers", {"search": PHONE})
    by_email = client.get("/api/customers", {"search": EMAIL})

    # then
    assert (by_phone.status_code, by_phone.json()["count"], by_email.status_code) == (200, 1, 200)
    output, captured, lines = logs()
    assert_absent([output, captured], PHONE, "8801712345678", "1712345678", EMAIL, "rahima.begum%40example.com")
    access = requests_logged(lines)
    assert [(line["path"], line["status"], line["user_id"]) for line in access] == [
        ("/api/customers?search=[phone]", 200, staff.pk),
        ("/api/customers?search=[email]", 200, staff.pk),
    ]
    assert all(line["duration_ms"] >= 0 and line["level"] == "info" for line in access)
    assert [line["request_id"] for line in access] == [by_phone["X-Request-ID"], by_email["X-Request-ID"]]


def test_a_rejected_redemption_logs_a_reference_to_what_was_typed_not_the_code(logs):
    # given another customer's code, typed by someone else
    owner, thief = CustomerFactory(), CustomerFactory(user=UserFactory())
    code = discount_code_issue(customer=owner, kind="amount", value=Decimal("200"), valid_days=14).code

    # when
    response = client_of(thief.user).post(
        f"/api/customers/{thief.external_id}/redeem",
        {"code": code.lower(), "order_amount": "1200.00", "idempotency_key": "k-1"},
    )

    # then
    assert response.status_code == 404
    output, captured, lines = logs()
    assert_absent([output, captured], code, code.lower(), code.replace("-", ""))
    (rejection,) = [line for line in lines if line["event"].startswith("discount code rejected")]
    assert code_ref(code) in rejection["event"]
    assert rejection["request_id"] == response["X-Request-ID"]  # the line is tied to its request


def test_issuing_and_redeeming_a_code_logs_its_reference_only(logs):
    # given
    customer = CustomerFactory(user=UserFactory())

    # when
    code = discount_code_issue(customer=customer, kind="amount", value=Decimal("200"), valid_days=14).code
    response = client_of(customer.user).post(
        f"/api/customers/{customer.external_id}/redeem",
        {"code": code, "order_amount": "1200.00", "idempotency_key": "k-2"},
    )

    # then
    assert response.status_code == 201
    output, captured, lines = logs()
    assert_absent([output, captured], code)
    events = [line["event"] for line in lines]
    assert f"discount code {code_ref(code)} issued to customer {customer.pk}" in events
    assert any(event.startswith(f"discount code {code_ref(code)} redeemed by customer") for event in events)


def test_an_unsigned_megabyte_callback_logs_a_short_line_and_nothing_it_carried(logs, api_client):
    # given
    payload = {"paymentID": "P" * 1_000_000, "customerMsisdn": PHONE, "email": EMAIL}

    # when
    response = api_client.post("/api/payments/callback/bkash", payload, format="json")

    # then
    assert response.status_code == 400
    output, captured, lines = logs()
    assert_absent([output, captured], "P" * 20, PHONE, EMAIL)
    assert len(output) < 2000
    assert "payment callback from bkash refused: bad signature (3 fields)" in [line["event"] for line in lines]


def test_every_line_is_capped(logs):
    logging.getLogger("sheba_retention.tests").warning("pasted: %s", "x" * 100_000)

    output, captured, lines = logs()
    (line,) = lines
    assert line["event"].endswith("… [cut: 100,008 characters in all]")
    assert len(output) < 2500
    assert len(captured) < 2500


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("4f9c2a7e-1b3d-4c5e-9a8b-7c6d5e4f3a2b", True),  # a load balancer's id
        ("req_7Hq2LmX9", True),
        (PHONE, False),  # personal data: not echoed into every line
        ("short", False),
        ("a" * 65, False),
        ("bad id with spaces", False),
    ],
)
def test_a_usable_request_id_is_honoured_and_every_response_returns_one(logs, api_client, sent, kept):
    response = api_client.get("/api/customers", HTTP_X_REQUEST_ID=sent)

    returned = response["X-Request-ID"]
    assert (returned == sent) is kept
    assert len(returned) >= 8
    (access,) = requests_logged(logs()[2])
    assert (access["request_id"], access["status"], access["user_id"]) == (returned, 401, None)


def test_locally_the_lines_are_readable_text(caplog, api_client, capsys):
    # given the handler as configured for local runs (plain text)
    buffer = io.StringIO()
    (handler,) = [h for h in logging.getLogger().handlers if h.name == "console"]
    assert isinstance(handler, logging.StreamHandler)
    previous = handler.setStream(buffer)

    # when
    try:
        api_client.get("/api/customers", {"search": EMAIL}, HTTP_X_REQUEST_ID="req_7Hq2LmX9")
    finally:
        handler.setStream(previous)

    # then
    (line,) = [line for line in buffer.getvalue().splitlines() if "sheba_retention.requests" in line]
    assert "GET /api/customers?search=[email] 401" in line
    assert "request_id=req_7Hq2LmX9" in line
    assert EMAIL not in buffer.getvalue()
