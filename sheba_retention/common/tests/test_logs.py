import logging

import pytest

from sheba_retention.common.logs import PersonalDataFilter, mask, masked


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("call +8801712345678 now", "call [phone] now"),
        ("call 01712345678", "call [phone]"),
        ("8801512345678", "[phone]"),
        ("+880 1912 345678 or 01812-345678", "[phone] or [phone]"),
        ("00880-1712-345678", "[phone]"),
        ("?search=%2B8801712345678&x=1", "?search=[phone]&x=1"),
        ("rahima.begum+offers@mail.example.com.bd wrote", "[email] wrote"),
        ("?search=rahima%40example.com", "?search=[email]"),
        ("account 123456789012", "account [number]"),
        ("০১৭১২৩৪৫৬৭৮", "[number]"),  # in Bengali digits
        # what logs are full of and must keep
        (
            "order 1200.00 Tk, customer C0000123, 2026-12-02 10:00:00",
            "order 1200.00 Tk, customer C0000123, 2026-12-02 10:00:00",
        ),
        ("payment 12345678 of 01234", "payment 12345678 of 01234"),
        ("succeeded in 0.123456789012s", "succeeded in 0.123456789012s"),
        (
            "Task x[fd07dd8c-88bb-4831-9d37-123456789ace] received",
            "Task x[fd07dd8c-88bb-4831-9d37-123456789ace] received",
        ),
        ("card=4111111111111111&cvv=1", "card=[number]&cvv=1"),
    ],
)
def test_mask(text, expected):
    assert mask(text) == expected


def test_a_huge_text_is_cut_without_leaving_half_a_phone_number():
    text = "x " * 3998 + "ab +8801712345678 " + "y" * 10_000

    shown = masked(text, limit=2000)

    assert shown.endswith("… [cut: 18,014 characters in all]")
    assert "880171" not in shown


def test_the_filter_masks_arguments_and_tracebacks_in_place():
    # given
    try:
        raise ValueError("no such address rahima@example.com")
    except ValueError as exc:
        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "sms to %(to)s failed: %(why)s", None, (exc.__class__, exc, None)
        )
    record.args = {"to": "+8801712345678", "why": "blocked"}

    # when
    PersonalDataFilter().filter(record)

    # then
    assert record.getMessage() == "sms to [phone] failed: blocked"
    assert not record.args
    assert str(record.exc_text).endswith("ValueError: no such address [email]")
    assert logging.Formatter().format(record).endswith("ValueError: no such address [email]")
