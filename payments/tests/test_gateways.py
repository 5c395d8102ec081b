"""The mock gateways on their own: signatures, idempotency keys, simulated faults, message shapes."""

from decimal import Decimal

import pytest
from django.test import override_settings

from payments.gateways import (
    GatewayError,
    GatewayStatus,
    GatewayTimeout,
    MockBankGateway,
    MockBkashGateway,
    MockNagadGateway,
    get_gateway,
    reset_gateways,
)

GATEWAYS = [MockBkashGateway, MockNagadGateway, MockBankGateway]


def start(gateway, *, key="inv-1", amount="1000"):
    return gateway.initiate(
        amount=Decimal(amount), customer_phone="+8801711000000", idempotency_key=key, callback_url="https://x/cb"
    )


@pytest.mark.parametrize("cls", GATEWAYS)
def test_a_signed_callback_verifies_and_a_tampered_one_does_not(cls):
    # given
    gateway = cls(secret="s3cret")
    payment = start(gateway)
    payload, signature = gateway.signed_callback(reference=payment.reference)

    # then
    assert gateway.verify_callback(payload, signature)
    assert gateway.verify_callback(dict(reversed(list(payload.items()))), signature)  # key order does not matter
    assert not gateway.verify_callback({**payload, "amount": "1"}, signature)
    assert not gateway.verify_callback(payload, "0" * 64)
    assert not gateway.verify_callback(payload, "")
    assert not cls(secret="other").verify_callback(payload, signature)
    assert not cls(secret="").verify_callback(payload, cls(secret="").sign(payload))


@pytest.mark.parametrize("cls", GATEWAYS)
def test_the_same_idempotency_key_names_the_same_payment(cls):
    # given
    gateway = cls(secret="s")

    # when
    first = start(gateway, key="k")
    again = start(gateway, key="k")
    other = start(gateway, key="k2")

    # then
    assert first.reference == again.reference
    assert other.reference != first.reference


def test_an_idempotency_key_reused_for_another_amount_is_declined():
    gateway = MockBkashGateway(secret="s")
    start(gateway, key="k", amount="1000")

    with pytest.raises(GatewayError, match="different amount"):
        start(gateway, key="k", amount="2000")


def test_bkash_speaks_in_bkash_shapes():
    # given
    gateway = MockBkashGateway(secret="s")
    payment = start(gateway, key="INV-9")

    # when
    gateway.simulate_customer(reference=payment.reference, pays=True)
    executed = gateway.confirm(reference=payment.reference)
    refunded = gateway.refund(reference=payment.reference, amount=Decimal("1000"))

    # then
    assert payment.reference.startswith("TR0011")
    assert payment.response["paymentID"] == payment.reference
    assert payment.response["merchantInvoiceNumber"] == "INV-9"
    assert payment.redirect_url == payment.response["bkashURL"]
    assert executed.status == GatewayStatus.CONFIRMED
    assert executed.response["transactionStatus"] == "Completed"
    assert len(executed.response["trxID"]) == 10
    assert refunded.response["originalTrxID"] == executed.response["trxID"]


def test_nagad_and_bank_callbacks_parse_to_the_payment():
    for cls, key in [(MockNagadGateway, "payment_ref_id"), (MockBankGateway, "sessionkey")]:
        gateway = cls(secret="s")
        payment = start(gateway)
        payload = gateway.simulate_customer(reference=payment.reference, pays=False)

        result = gateway.parse_callback(payload)

        assert payload[key] == result.reference == payment.reference
        assert result.succeeded is False


def test_a_malformed_callback_is_a_value_error():
    with pytest.raises(ValueError, match="lacks"):
        MockBkashGateway(secret="s").parse_callback({"status": "success"})


def test_confirm_says_pending_until_the_customer_has_paid():
    gateway = MockNagadGateway(secret="s")
    payment = start(gateway)

    assert gateway.confirm(reference=payment.reference).status == GatewayStatus.PENDING


@pytest.mark.parametrize("operation", ["initiate", "confirm", "refund"])
def test_scripted_timeouts_and_declines_hit_the_named_call_once(operation):
    # given
    gateway = MockBkashGateway(secret="s")
    payment = start(gateway, key="setup")
    gateway.simulate_customer(reference=payment.reference)
    gateway.confirm(reference=payment.reference)
    calls = {
        "initiate": lambda: start(gateway, key="fresh"),
        "confirm": lambda: gateway.confirm(reference=payment.reference),
        "refund": lambda: gateway.refund(reference=payment.reference, amount=Decimal("1000")),
    }
    gateway.fail_next(operation, how="timeout")
    gateway.fail_next(operation, how="decline")

    # when / then
    with pytest.raises(GatewayTimeout):
        calls[operation]()
    with pytest.raises(GatewayError, match="declined"):
        calls[operation]()
    calls[operation]()


def test_a_timed_out_initiate_created_nothing_so_a_retry_is_a_fresh_payment():
    gateway = MockBankGateway(secret="s")
    gateway.fail_next("initiate")

    with pytest.raises(GatewayTimeout):
        start(gateway, key="k")
    payment = start(gateway, key="k")

    assert [op for op, _ in gateway.calls] == ["initiate", "initiate"]
    assert payment.reference.startswith("SSL")


def test_configured_failure_rates_are_reproducible_from_the_seed():
    def outcomes(seed):
        gateway = MockBkashGateway(secret="s", timeout_rate=0.3, failure_rate=0.3, seed=seed)
        seen = []
        for i in range(40):
            try:
                start(gateway, key=f"k{i}")
                seen.append("ok")
            except GatewayTimeout:
                seen.append("timeout")
            except GatewayError:
                seen.append("declined")
        return seen

    first = outcomes(7)

    assert first == outcomes(7)
    assert {"ok", "timeout", "declined"} <= set(first)


def test_refund_needs_a_completed_payment_and_is_idempotent():
    # given
    gateway = MockBkashGateway(secret="s")
    payment = start(gateway)

    # then
    with pytest.raises(GatewayError, match="only a completed payment"):
        gateway.refund(reference=payment.reference, amount=Decimal("1000"))
    gateway.simulate_customer(reference=payment.reference)
    gateway.confirm(reference=payment.reference)
    first = gateway.refund(reference=payment.reference, amount=Decimal("1000"))
    second = gateway.refund(reference=payment.reference, amount=Decimal("1000"))
    assert first.response["refundTrxID"] == second.response["refundTrxID"]


@override_settings(PAYMENTS_GATEWAY_SECRETS={"bkash": "from-settings", "nagad": "n", "bank": "b"})
def test_get_gateway_reads_the_secret_from_settings_and_is_shared():
    reset_gateways()

    assert get_gateway("bkash") is get_gateway("bkash")
    assert get_gateway("bkash").secret == "from-settings"
    with pytest.raises(KeyError):
        get_gateway("paypal")
