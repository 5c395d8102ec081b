"""Validators for Bangladeshi data: phone numbers and Taka amounts."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# +880, then the mobile prefix 1, an operator digit 3-9 and eight digits: +8801712345678.
BD_PHONE_RE = re.compile(r"^\+8801[3-9]\d{8}$")


def normalize_bd_phone(raw: str) -> str:
    """Accept the common ways a Bangladeshi mobile number is written and return +8801XXXXXXXXX.

    Raises ValueError with a reason when it is not a Bangladeshi mobile number.
    """
    digits = re.sub(r"[\s\-().]", "", raw or "")
    if digits.startswith("00880"):
        digits = "+" + digits[2:]
    elif digits.startswith("880"):
        digits = "+" + digits
    elif digits.startswith("01"):
        digits = "+88" + digits
    if not BD_PHONE_RE.match(digits):
        raise ValueError(f"'{raw}' is not a Bangladeshi mobile number (expected +8801XXXXXXXXX or 01XXXXXXXXX)")
    return digits


def validate_bd_phone(value: str) -> None:
    if value and not BD_PHONE_RE.match(value):
        raise ValidationError(_("Enter a Bangladeshi mobile number like +8801712345678."), code="invalid_phone")
