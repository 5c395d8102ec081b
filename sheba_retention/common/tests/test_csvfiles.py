import datetime as dt
import io
from decimal import Decimal

import pytest

from sheba_retention.common.csvfiles import csv_escape, csv_unescape, iso_local, write_csv


def test_write_csv_writes_the_header_and_the_rows_and_counts_the_rows():
    # given
    out = io.StringIO()

    # when
    count = write_csv(out, ["customer_id", "name"], iter([["0042", 'Abul, "AC" Mia'], ["0043", ""]]))

    # then
    assert count == 2
    assert out.getvalue() == 'customer_id,name\r\n0042,"Abul, ""AC"" Mia"\r\n0043,\r\n'


def test_iso_local_gives_dhaka_time_with_offset_and_microseconds_and_blank_for_none():
    instant = dt.datetime(2024, 1, 1, 18, 30, 0, 123456, tzinfo=dt.UTC)

    assert iso_local(instant) == "2024-01-02T00:30:00.123456+06:00"
    assert dt.datetime.fromisoformat(iso_local(instant)) == instant
    assert iso_local(None) == ""


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://evil.example","Click")', '\'=HYPERLINK("http://evil.example","Click")'),
        ("+SUM(A1:A9)", "'+SUM(A1:A9)"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("-", "'-"),
        # a value that starts with a quote before one of those, or before another quote, gets one more quote
        ("'=1+1", "''=1+1"),
        ("''", "'''"),
        # numbers and ordinary text are written as they are
        ("-120.50", "-120.50"),
        ("+8801712345678", "+8801712345678"),
        ("1200", "1200"),
        ("Rahima Akter", "Rahima Akter"),
        ("'tis", "'tis"),
        ("'", "'"),
        ("", ""),
        ("a=b", "a=b"),
    ],
)
def test_csv_escape_quotes_text_a_spreadsheet_would_run_and_unescape_gives_the_value_back(value, written):
    assert csv_escape(value) == written
    assert csv_unescape(written) == value


@pytest.mark.parametrize("value", [-5, -0.25, Decimal("-120.50"), None, 3])
def test_csv_escape_leaves_numbers_and_none_alone(value):
    assert csv_escape(value) == value


def test_csv_unescape_takes_off_the_quote_a_person_typed_before_a_formula_character():
    assert (csv_unescape("'=5"), csv_unescape("'+880"), csv_unescape("'hello")) == ("=5", "+880", "'hello")


def test_write_csv_escapes_text_cells_but_not_numbers():
    out = io.StringIO()

    write_csv(out, ["customer_id", "name", "contribution"], iter([["=1", "-2+3", -0.25], ["-7", "@SUM(A1)", None]]))

    assert out.getvalue() == "customer_id,name,contribution\r\n'=1,'-2+3,-0.25\r\n-7,'@SUM(A1),\r\n"
