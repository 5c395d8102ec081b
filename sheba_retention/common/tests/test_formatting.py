"""Figures and days as readers of each language expect them."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.dates import MONTHS

from sheba_retention.common.formatting import day, moment, number, percent, taka


@pytest.mark.parametrize(
    ("value", "language", "expected"),
    [
        (Decimal("1200.00"), "en", "Tk 1,200"),
        (Decimal("1200.50"), "en", "Tk 1,200.50"),
        (Decimal("1200.00"), "bn", "৳১,২০০"),
        (0, "bn", "৳০"),
        (-250, "en", "−Tk 250"),
        (1234567.0, "bn", "৳১,২৩৪,৫৬৭"),
    ],
)
def test_taka(value, language, expected):
    assert taka(value, language=language) == expected


def test_numbers_and_shares():
    assert number(12345, language="en") == "12,345"
    assert number(12345, language="bn") == "১২,৩৪৫"
    assert percent(0.723, language="en") == "72%"
    assert percent(0.7251, language="bn", decimals=1) == "৭২.৫%"


def test_days_in_each_language():
    assert day(dt.date(2026, 1, 9), language="en") == "Jan. 9, 2026"
    with translation.override("bn"):
        january = str(MONTHS[1])  # Django's own Bengali name of the month
    assert day(dt.date(2026, 1, 9), language="bn") == f"৯ {january}, ২০২৬"


def test_a_moment_is_shown_in_dhaka_time():
    at = dt.datetime(2026, 1, 9, 20, 30, tzinfo=dt.UTC)  # 02:30 the next day in Dhaka

    assert day(at, language="en") == "Jan. 10, 2026"
    assert moment(at, language="en") == "Jan. 10, 2026, 2:30 a.m."
