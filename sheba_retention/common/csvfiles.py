"""Writing CSV files, for every app's exports: a header and rows to an open file, datetimes that read back exactly,
and text cells that a spreadsheet program shows as text instead of running them as formulas.

Formula injection (OWASP "CSV Injection"): Excel, LibreOffice and Google Sheets run a cell that starts with
= + - @ (or a tab or carriage return before one) as a formula, so a customer named `=HYPERLINK(…)` could make whoever
opens an export click a link or leak other cells. `csv_escape` puts a single quote before such a text cell; numbers
(a value of a number type, or text that is only a decimal number such as "-120.50" or "+8801712345678") are left as
they are, since a spreadsheet reads them as numbers, never as formulas. `csv_unescape` undoes exactly that, and the
CSV importers apply it to every cell, so exporting and re-importing gives back the same values. A value that really
starts with a quote followed by one of those characters (or by another quote) gets one more quote on export, so it
survives the round trip too.
"""

import csv
import re
from collections.abc import Iterator
from typing import TextIO

from django.utils import timezone

FORMULA_STARTS = frozenset("=+-@\t\r")
ESCAPE = "'"
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")


def csv_escape(value):
    """The cell as a spreadsheet should show it: text that would run as a formula gets a leading quote."""
    if not isinstance(value, str) or not value:
        return value
    if value[0] in FORMULA_STARTS and not _PLAIN_NUMBER.fullmatch(value):
        return ESCAPE + value
    if value[0] == ESCAPE and csv_unescape(value) != value:
        return ESCAPE + value  # so that unescaping takes off only the quote added here
    return value


def csv_unescape(value: str) -> str:
    """The value `csv_escape` was given: one leading quote before = + - @ tab, CR or another quote comes off."""
    if len(value) > 1 and value[0] == ESCAPE and (value[1] in FORMULA_STARTS or value[1] == ESCAPE):
        return value[1:]
    return value


def iso_local(value) -> str:
    """A datetime as Dhaka time with its offset and microseconds, so re-importing it gives the same instant."""
    return timezone.localtime(value).isoformat() if value else ""


def write_csv(out: TextIO, header: list[str], rows: Iterator[list]) -> int:
    writer = csv.writer(out)
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow([csv_escape(cell) for cell in row])
        count += 1
    return count
