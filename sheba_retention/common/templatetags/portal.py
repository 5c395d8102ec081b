"""Template filters of the portals: figures and dates in the active language (sheba_retention.common.formatting),
and the text of a stored reason in it. `{% load portal %}`."""

import datetime as dt

from django import template
from django.utils.translation import get_language

from sheba_retention.common import formatting

register = template.Library()


def _language() -> str:
    return "bn" if (get_language() or "").startswith("bn") else "en"


@register.filter
def num(value, decimals: int = 0) -> str:
    return "" if value is None else formatting.number(value, language=_language(), decimals=int(decimals))


@register.filter
def pct(value, decimals: int = 0) -> str:
    return "" if value is None else formatting.percent(float(value), language=_language(), decimals=int(decimals))


@register.filter
def taka(value) -> str:
    return "" if value is None else formatting.taka(value, language=_language())


@register.filter
def day(value: dt.date | dt.datetime | None) -> str:
    return "" if value is None else formatting.day(value, language=_language())


@register.filter
def moment(value: dt.datetime | None) -> str:
    return "" if value is None else formatting.moment(value, language=_language())


@register.filter
def digits(value) -> str:
    """Any text with numbers in it (an id stays as it is: do not use this on ids or codes)."""
    return formatting.digits(str(value), language=_language())


@register.filter
def in_language(reason: dict) -> str:
    """A stored reason's sentence in the active language (predictions keep both, the Bengali with Bengali digits)."""
    return reason.get("text_bn" if _language() == "bn" else "text_en") or reason.get("text_en", "")
