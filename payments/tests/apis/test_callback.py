import json
from decimal import Decimal

import pytest

from customers.tests.factories import CustomerFactory
from payments.gateways import get_gateway
from payments.models import TransactionStatus
from payments.services import payment_initiate

pytestmark = pytest.mark.django_db


def initiated(gateway="bkash"):
    return payment_initiate(
        customer=CustomerFactory(), amount=Decimal("900"), gateway=gateway, idempotency_key=f"cb-{gateway}"
    )


def post(api_client, gateway, payload, signature):
    return api_client.post(
        f"/api/payments/callback/{gateway}",
        data=json.dumps(payload),
        content_type="application/json",
        HTTP_X_SIGNATURE=signature,
    )


@pytest.mark.parametrize("gateway", ["bkash", "nagad", "bank"])
def test_a_signed_callback_needs_no_login_and_confirms_the_payment(api_client, gateway):
    # given
    tx = initiated(gateway)
    payload, signature = get_gateway(gateway).signed_callback(reference=tx.gateway_reference)

    # when
    response = post(api_client, gateway, payload, signature)

    # then
    assert response.status_code == 200
    assert response.json() == {
        "reference": tx.gateway_reference,
        "gateway": gateway,
        "status": "confirmed",
        "amount": "900.00",
    }


def test_a_repeated_callback_is_answered_200_again(api_client):
    tx = initiated()
    payload, signature = get_gateway("bkash").signed_callback(reference=tx.gateway_reference)

    first = post(api_client, "bkash", payload, signature)
    second = post(api_client, "bkash", payload, signature)

    assert first.json() == second.json()


@pytest.mark.parametrize(
    ("case", "status", "code"),
    [
        ("bad_signature", 400, "invalid_signature"),
        ("no_signature", 400, "invalid_signature"),
        ("unknown_reference", 404, "unknown_reference"),
        ("unknown_gateway", 404, "unknown_gateway"),
    ],
)
def test_refused_callbacks_have_the_error_body_and_change_nothing(api_client, case, status, code):
    # given
    tx = initiated()
    gateway = get_gateway("bkash")
    payload, signature = gateway.signed_callback(reference=tx.gateway_reference)
    name = "bkash"
    if case == "bad_signature":
        signature = gateway.sign({**payload, "status": "cancel"})
    elif case == "no_signature":
        signature = ""
    elif case == "unknown_reference":
        payload = {**payload, "paymentID": "TR0011UNKNOWN"}
        signature = gateway.sign(payload)
    else:
        name = "paypal"

    # when
    response = post(api_client, name, payload, signature)

    # then
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["message"]
    tx.refresh_from_db()
    assert tx.status == TransactionStatus.INITIATED


def test_a_confirm_timeout_is_a_503_so_the_gateway_retries(api_client):
    tx = initiated()
    payload, signature = get_gateway("bkash").signed_callback(reference=tx.gateway_reference)
    get_gateway("bkash").fail_next("confirm")

    response = post(api_client, "bkash", payload, signature)

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "gateway_timeout"
    assert post(api_client, "bkash", payload, signature).json()["status"] == "confirmed"
