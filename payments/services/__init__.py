"""Writes of the payments app: discount codes and gateway payments."""

from payments.services.codes import (
    CodeCheck,
    CodeRejected,
    CodeRejection,
    IdempotencyKeyReused,
    discount_code_check,
    discount_code_deactivate,
    discount_code_issue,
    discount_code_redeem,
    discount_code_update,
    normalise_code,
    redemption_listener_register,
)
from payments.services.transactions import (
    PaymentError,
    payment_callback,
    payment_confirm,
    payment_initiate,
    payment_refund,
    transaction_redirect_url,
)

__all__ = [
    "CodeCheck",
    "CodeRejected",
    "CodeRejection",
    "IdempotencyKeyReused",
    "PaymentError",
    "discount_code_check",
    "discount_code_deactivate",
    "discount_code_issue",
    "discount_code_redeem",
    "discount_code_update",
    "normalise_code",
    "redemption_listener_register",
    "payment_callback",
    "payment_confirm",
    "payment_initiate",
    "payment_refund",
    "transaction_redirect_url",
]
