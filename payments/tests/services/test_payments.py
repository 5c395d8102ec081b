import logging
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from customers.tests.factories import BookingFactory, CustomerFactory
from payments.gateways import get_gateway
from payments.models import PaymentTransaction, TransactionStatus
from payments.services import (
    PaymentError,
    payment_callback,
    payment_confirm,
    payment_initiate,
    payment_refund,
    transaction_redirect_url,
)
from payments.tests.factories import PaymentTransactionFactory

pytestmark = pytest.mark.django_db


def initiate(customer=None, *, gateway="bkash", key="pay-1", amount="1500"):
    return payment_initiate(
        customer=customer or CustomerFactory(), amount=Decimal(amount), gateway=gateway, idempotency_key=key
    )


def steps(tx):
    tx.refresh_from_db()
    return [(s["step"], s["outcome"], s["status"]) for s in tx.payload["log"]]


@pytest.mark.parametrize("gateway", ["bkash", "nagad", "bank"])
def test_initiate_creates_an_initiated_transaction_with_the_gateway_reference(gateway):
    # given
    customer = CustomerFactory()
    booking = BookingFactory(customer=customer)

    # when
    tx = payment_initiate(
        customer=customer, amount=Decimal("1500"), gateway=gateway, idempotency_key="pay-1", booking=booking
    )

    # then
    assert (tx.status, tx.amount, tx.gateway, tx.booking) == ("initiated", Decimal("1500.00"), gateway, booking)
    assert tx.gateway_reference
    assert transaction_redirect_url(tx).startswith("https://")
    assert steps(tx) == [("create", "ok", "initiated"), ("initiate", "ok", "initiated")]
    initiated = get_gateway(gateway).calls[0][1]
    assert initiated == {"amount": "1500.00", "idempotency_key": "pay-1"}


def test_initiate_twice_with_one_key_is_one_transaction_and_one_gateway_payment():
    # given
    customer = CustomerFactory()

    # when
    first = initiate(customer, key="k")
    second = initiate(customer, key="k")

    # then
    assert first.pk == second.pk
    assert PaymentTransaction.objects.count() == 1
    assert [op for op, _ in get_gateway("bkash").calls] == ["initiate"]


@pytest.mark.parametrize("change", [{"amount": "1600"}, {"gateway": "nagad"}, {"customer": "other"}])
def test_initiate_with_a_reused_key_and_different_data_is_refused(change):
    customer = CustomerFactory()
    initiate(customer, key="k")
    kwargs = {"amount": change.get("amount", "1500"), "gateway": change.get("gateway", "bkash")}

    with pytest.raises(PaymentError) as error:
        initiate(CustomerFactory() if "customer" in change else customer, key="k", **kwargs)

    assert error.value.code == "idempotency_key_reused"
    assert PaymentTransaction.objects.count() == 1


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"amount": "0"}, "more than zero"), ({"amount": "-1"}, "more than zero"), ({"key": ""}, "idempotency key")],
)
def test_initiate_refuses_bad_input(kwargs, match):
    with pytest.raises(ValidationError, match=match):
        initiate(**kwargs)
    assert PaymentTransaction.objects.count() == 0


def test_initiate_refuses_an_unknown_gateway():
    with pytest.raises(PaymentError) as error:
        initiate(gateway="paypal")
    assert error.value.code == "unknown_gateway"


def test_an_initiate_timeout_leaves_the_transaction_initiated_and_a_retry_completes_it(caplog):
    # given
    customer = CustomerFactory()
    get_gateway("nagad").fail_next("initiate", how="timeout")

    # when
    with caplog.at_level(logging.WARNING), pytest.raises(PaymentError) as error:
        initiate(customer, gateway="nagad", key="k")
    tx = PaymentTransaction.objects.get()

    # then
    assert error.value.code == "gateway_timeout"
    assert "same idempotency key" in error.value.message
    assert (tx.status, tx.gateway_reference) == ("initiated", "")
    assert steps(tx) == [("create", "ok", "initiated"), ("initiate", "timeout", "initiated")]
    assert "timed out on initiate" in caplog.text

    # when retried with the same key
    retried = initiate(customer, gateway="nagad", key="k")

    # then
    assert retried.pk == tx.pk
    assert retried.gateway_reference
    assert PaymentTransaction.objects.count() == 1


def test_a_declined_initiate_fails_the_transaction():
    get_gateway("bank").fail_next("initiate", how="decline")

    tx = initiate(gateway="bank")

    assert tx.status == TransactionStatus.FAILED
    assert steps(tx)[-1] == ("initiate", "declined", "failed")


@pytest.mark.parametrize("gateway", ["bkash", "nagad", "bank"])
def test_a_paid_callback_confirms_the_payment(gateway):
    # given
    tx = initiate(gateway=gateway)
    payload, signature = get_gateway(gateway).signed_callback(reference=tx.gateway_reference, pays=True)

    # when
    settled = payment_callback(gateway=gateway, payload=payload, signature=signature)

    # then
    assert settled.pk == tx.pk
    assert settled.status == TransactionStatus.CONFIRMED
    assert steps(tx)[-2:] == [("callback", "success", "confirmed"), ("confirm", "confirmed", "confirmed")]
    assert tx.payload["log"][-2]["data"] == payload


def test_a_cancelled_callback_fails_the_payment_without_asking_the_gateway():
    tx = initiate()
    payload, signature = get_gateway("bkash").signed_callback(reference=tx.gateway_reference, pays=False)

    settled = payment_callback(gateway="bkash", payload=payload, signature=signature)

    assert settled.status == TransactionStatus.FAILED
    assert [op for op, _ in get_gateway("bkash").calls] == ["initiate"]


def test_a_repeated_callback_changes_nothing():
    # given
    tx = initiate()
    payload, signature = get_gateway("bkash").signed_callback(reference=tx.gateway_reference)
    payment_callback(gateway="bkash", payload=payload, signature=signature)
    log_before = steps(tx)

    # when
    again = payment_callback(gateway="bkash", payload=payload, signature=signature)

    # then
    assert again.status == TransactionStatus.CONFIRMED
    assert steps(tx) == log_before
    assert [op for op, _ in get_gateway("bkash").calls] == ["initiate", "confirm"]


@pytest.mark.parametrize("tamper", ["signature", "payload", "missing"])
def test_a_callback_with_a_bad_signature_is_refused_changes_nothing_and_is_logged(caplog, tamper):
    # given
    tx = initiate()
    payload, signature = get_gateway("bkash").signed_callback(reference=tx.gateway_reference, pays=True)
    if tamper == "signature":
        signature = signature[:-1] + ("0" if signature[-1] != "0" else "1")
    elif tamper == "payload":
        payload = {**payload, "status": "success", "paymentID": tx.gateway_reference, "extra": "x"}
    else:
        signature = ""
    log_before = steps(tx)

    # when
    with caplog.at_level(logging.WARNING), pytest.raises(PaymentError) as error:
        payment_callback(gateway="bkash", payload=payload, signature=signature)

    # then
    assert error.value.code == "invalid_signature"
    tx.refresh_from_db()
    assert tx.status == TransactionStatus.INITIATED
    assert steps(tx) == log_before
    assert "bad signature" in caplog.text


def test_a_callback_signed_with_another_gateways_secret_is_refused():
    tx = initiate()
    payload = get_gateway("bkash").simulate_customer(reference=tx.gateway_reference)

    with pytest.raises(PaymentError) as error:
        payment_callback(gateway="bkash", payload=payload, signature=get_gateway("nagad").sign(payload))

    assert error.value.code == "invalid_signature"


def test_a_callback_for_an_unknown_reference_is_refused(caplog):
    payload = {"paymentID": "TR0011NOPE", "status": "success"}

    with caplog.at_level(logging.WARNING), pytest.raises(PaymentError) as error:
        payment_callback(gateway="bkash", payload=payload, signature=get_gateway("bkash").sign(payload))

    assert error.value.code == "unknown_reference"
    assert "unknown reference" in caplog.text


def test_a_signed_but_malformed_callback_is_refused():
    payload = {"unexpected": True}

    with pytest.raises(PaymentError) as error:
        payment_callback(gateway="bkash", payload=payload, signature=get_gateway("bkash").sign(payload))

    assert error.value.code == "malformed_callback"


def test_a_callback_contradicting_a_settled_payment_is_refused():
    # given
    tx = initiate()
    gateway = get_gateway("bkash")
    paid, paid_signature = gateway.signed_callback(reference=tx.gateway_reference, pays=True)
    payment_callback(gateway="bkash", payload=paid, signature=paid_signature)
    cancelled = {**paid, "status": "cancel"}

    # when
    with pytest.raises(PaymentError) as error:
        payment_callback(gateway="bkash", payload=cancelled, signature=gateway.sign(cancelled))

    # then
    assert error.value.code == "invalid_state"
    tx.refresh_from_db()
    assert tx.status == TransactionStatus.CONFIRMED


def test_a_confirm_timeout_after_the_callback_leaves_it_initiated_and_the_retry_confirms():
    # given
    tx = initiate()
    gateway = get_gateway("bkash")
    payload, signature = gateway.signed_callback(reference=tx.gateway_reference)
    gateway.fail_next("confirm", how="timeout")

    # when
    with pytest.raises(PaymentError) as error:
        payment_callback(gateway="bkash", payload=payload, signature=signature)

    # then
    assert error.value.code == "gateway_timeout"
    tx.refresh_from_db()
    assert tx.status == TransactionStatus.INITIATED
    assert steps(tx)[-1] == ("confirm", "timeout", "initiated")

    # when the gateway retries its callback
    assert payment_callback(gateway="bkash", payload=payload, signature=signature).status == "confirmed"


def test_confirm_by_polling_leaves_an_unpaid_payment_initiated():
    tx = initiate()

    polled = payment_confirm(transaction=tx)

    assert polled.status == TransactionStatus.INITIATED
    assert steps(tx)[-1] == ("confirm", "pending", "initiated")


def confirmed_transaction():
    tx = initiate()
    payload, signature = get_gateway("bkash").signed_callback(reference=tx.gateway_reference)
    return payment_callback(gateway="bkash", payload=payload, signature=signature)


def test_refund_of_a_confirmed_payment():
    # given
    tx = confirmed_transaction()

    # when
    refunded = payment_refund(transaction=tx)
    again = payment_refund(transaction=tx)

    # then
    assert refunded.status == again.status == TransactionStatus.REFUNDED
    assert steps(tx)[-1] == ("refund", "ok", "refunded")
    assert [op for op, _ in get_gateway("bkash").calls].count("refund") == 1


@pytest.mark.parametrize("status", [TransactionStatus.INITIATED, TransactionStatus.FAILED])
def test_refund_only_after_confirm(status):
    tx = initiate()
    PaymentTransaction.objects.filter(pk=tx.pk).update(status=status)
    tx.refresh_from_db()

    with pytest.raises(PaymentError) as error:
        payment_refund(transaction=tx)

    assert error.value.code == "invalid_state"
    assert "Only a confirmed payment" in error.value.message
    tx.refresh_from_db()
    assert tx.status == status


def test_a_refund_timeout_keeps_the_payment_confirmed_and_logs_the_attempt():
    # given
    tx = confirmed_transaction()
    get_gateway("bkash").fail_next("refund", how="timeout")

    # when
    with pytest.raises(PaymentError) as error:
        payment_refund(transaction=tx)

    # then
    assert error.value.code == "gateway_timeout"
    tx.refresh_from_db()
    assert tx.status == TransactionStatus.CONFIRMED
    assert steps(tx)[-1] == ("refund", "timeout", "confirmed")
    assert payment_refund(transaction=tx).status == TransactionStatus.REFUNDED


def test_a_declined_refund_keeps_the_payment_confirmed():
    tx = confirmed_transaction()
    get_gateway("bkash").fail_next("refund", how="decline")

    with pytest.raises(PaymentError) as error:
        payment_refund(transaction=tx)

    assert error.value.code == "gateway_declined"
    tx.refresh_from_db()
    assert tx.status == TransactionStatus.CONFIRMED


def test_partial_refunds_are_refused():
    tx = confirmed_transaction()

    with pytest.raises(ValidationError, match="Only full refunds"):
        payment_refund(transaction=tx, amount=Decimal("100"))


def test_the_database_refuses_two_transactions_with_one_gateway_reference():
    from django.db import IntegrityError

    PaymentTransactionFactory(gateway="bkash", gateway_reference="TR0011SAME")

    with pytest.raises(IntegrityError, match="gateway_reference|transaction_reference_unique_per_gateway"):
        PaymentTransactionFactory(gateway="bkash", gateway_reference="TR0011SAME")
