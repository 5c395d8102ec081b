"""Numbers, Taka amounts, shares and dates as a reader of the language expects them: Bengali text takes Bengali
digits ("৳১,২০০", "১২ জানুয়ারি, ২০২৬"), English text ASCII ones ("Tk 1,200", "Jan. 12, 2026")."""

import datetime as dt
from decimal import Decimal

from django.utils import formats, timezone, translation

from mlcore.explain import bengali_digits

Number = Decimal | float | int


def digits(text: str, *, language: str) -> str:
    return bengali_digits(text) if language == "bn" else text


def number(value: Number, *, language: str, decimals: int = 0) -> str:
    return digits(f"{value:,.{decimals}f}", language=language)


def percent(share: float, *, language: str, decimals: int = 0) -> str:
    """A share of 1 as a percentage: 0.723 → "72%"."""
    return digits(f"{share * 100:.{decimals}f}%", language=language)


def taka(value: Number, *, language: str) -> str:
    """Taka with thousands separators, paisa only when there are any: Tk 1,200 or Tk 1,200.50; ৳১,২০০ in Bengali."""
    amount = Decimal(value)
    shown = f"{abs(amount):,.0f}" if amount == amount.to_integral_value() else f"{abs(amount):,.2f}"
    sign = "−" if amount < 0 else ""
    return f"{sign}৳{bengali_digits(shown)}" if language == "bn" else f"{sign}Tk {shown}"


def day(value: dt.date | dt.datetime, *, language: str) -> str:
    """A day in the language's own words and order; a moment is shown on its day in Dhaka time."""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date()
    with translation.override(language):
        return digits(formats.date_format(value, "DATE_FORMAT"), language=language)


def moment(value: dt.datetime, *, language: str) -> str:
    """A moment in Dhaka time, to the minute."""
    with translation.override(language):
        shown = formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
    return digits(shown, language=language)
