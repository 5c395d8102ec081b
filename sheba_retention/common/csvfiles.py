"""Writing CSV files, for every app's exports: a header and rows to an open file, datetimes that read back exactly."""

import csv
from collections.abc import Iterator
from typing import TextIO

from django.utils import timezone


def iso_local(value) -> str:
    """A datetime as Dhaka time with its offset and microseconds, so re-importing it gives the same instant."""
    return timezone.localtime(value).isoformat() if value else ""


def write_csv(out: TextIO, header: list[str], rows: Iterator[list]) -> int:
    writer = csv.writer(out)
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    return count
