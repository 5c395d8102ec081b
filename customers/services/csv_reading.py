"""Reading and checking uploaded CSV files: encoding, header, every bad row with its line number.

Shared by the customer and booking imports. Nothing here writes to the database.
"""

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from operator import methodcaller
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import models
from django.utils import timezone

from customers.models import City, Gender, Language
from sheba_retention.common.csvfiles import ESCAPE, csv_unescape

if TYPE_CHECKING:
    import _csv

LOCAL_TZ = "Asia/Dhaka"
MAX_REPORTED_ERRORS = 1000
# The longest a value that is parsed into something else may be (a date, an amount, a choice, a yes/no, a phone
# number in any usual spelling): enough for every spelling the parsers accept, short enough to quote in a message.
PARSED_VALUE_MAX = 40


@dataclass(frozen=True)
class RowError:
    line: int  # 1-based line in the file; 1 is the header
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class ImportRejected(Exception):
    """The file was refused as a whole: nothing was written. `errors` holds every reason with its line."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = sorted(errors, key=lambda error: error.line)
        shown = "\n".join(str(error) for error in self.errors[:MAX_REPORTED_ERRORS])
        more = len(self.errors) - MAX_REPORTED_ERRORS
        if more > 0:
            shown += f"\n… and {more} more"
        super().__init__(f"{len(self.errors)} problem(s), nothing was imported:\n{shown}")


@dataclass
class RowChecker:
    """Collects per-row problems found by vectorised checks; `frame.index` holds each row's line number."""

    frame: pd.DataFrame
    errors: list[RowError] = field(default_factory=list)

    def flag(self, bad: pd.Series, message) -> None:
        """Record an error for every row where `bad` is True; `message` is a string or a per-row callable."""
        rows = self.frame[bad.fillna(False).astype(bool)]
        if rows.empty:
            return
        texts = rows.apply(message, axis=1) if callable(message) else pd.Series(message, index=rows.index)
        self.errors.extend(RowError(int(line), text) for line, text in zip(rows.index, texts, strict=True))

    def raise_if_any(self) -> None:
        if self.errors:
            raise ImportRejected(self.errors)


def read_csv(
    source: str | Path | BinaryIO | bytes, *, required: set[str], optional: set[str], max_lengths: Mapping[str, int]
) -> pd.DataFrame:
    """Read a whole CSV as text columns, indexed by the line each record starts on, or raise ImportRejected.

    Refused as a whole, every problem with its line: bytes that are not UTF-8 text, control characters, quotes that
    do not close, a record with more values than the header (a comma outside quotes would shift every value after
    it), one with fewer unless all it lacks are optional columns (spreadsheet programs drop trailing empty cells;
    those read as blank), and a value longer than its column's `max_lengths` (every column must have one). Values
    are stripped and unescaped (`csv_unescape`) as the exports escaped them."""
    unlimited = (required | optional) - set(max_lengths)
    if unlimited:
        raise ValueError(f"no max length for column(s) {', '.join(sorted(unlimited))}")
    raw = _read_bytes(source)
    text = _decode(raw)
    if not text.strip():
        raise ImportRejected([RowError(1, "the file is empty: expected a header line and at least one row")])
    _refuse_control_characters(text)
    lines, rows = _records(text, longest=max(max_lengths.values()))
    if not rows:
        raise ImportRejected([RowError(1, "the file is empty: expected a header line and at least one row")])
    header_line, lines, header, rows = lines[0], lines[1:], rows[0], rows[1:]
    columns = [column.strip().lower() for column in header]
    _check_header(columns, header_line, required=required, optional=optional)
    if not rows:
        raise ImportRejected([RowError(header_line, "the file has a header but no rows")])
    _line_up(lines, rows, columns, required=required)
    # Column by column as lists: Python's own string methods, mapped, are several times faster than pandas' .str.
    cells = np.array(rows, dtype=object)  # rows of one width: a 2-D array, whose columns are cheap to take
    escaped = ESCAPE in text
    values = {column: _clean(cells[:, position], escaped=escaped) for position, column in enumerate(columns)}
    frame = pd.DataFrame(values, index=pd.Index(lines, name="line"), dtype=str)
    _check_lengths(frame, values, max_lengths)
    return frame


def _read_bytes(source: str | Path | BinaryIO | bytes) -> bytes:
    if isinstance(source, bytes):
        return source
    if isinstance(source, str | Path):
        return Path(source).read_bytes()
    return source.read()


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ImportRejected(
            [RowError(line, f"the file is not UTF-8 text (byte 0x{raw[exc.start]:02x}); save it as CSV UTF-8")]
        ) from exc


# C0 controls but tab, line feed and carriage return; DEL; C1 controls. Text never holds them: they come from binary
# files, broken encodings or terminal escapes, and PostgreSQL refuses NUL in a text column outright.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _refuse_control_characters(text: str) -> None:
    if not _CONTROL.search(text):
        return
    errors = []
    # Lines as the csv module counts them (\n, \r\n or \r), so the numbers match the other errors'.
    for number, line in enumerate(io.StringIO(text, newline=""), start=1):
        found = _CONTROL.search(line)
        if found:
            code = f"U+{ord(found.group()):04X}"
            what = f"a NUL byte ({code})" if found.group() == "\x00" else f"the control character {code}"
            errors.append(RowError(number, f"contains {what}, which is not text; save the file as CSV UTF-8"))
    raise ImportRejected(errors)


def _records(text: str, *, longest: int) -> tuple[list[int], list[list[str]]]:
    """Every non-blank record and the line it starts on (a quoted value may hold line breaks)."""
    try:
        parsed = list(_reader(text))
    except csv.Error:
        parsed = None  # read again below, record by record, to say where
    if parsed is not None and len(parsed) == _line_count(text):  # one record a line: its line is its position
        if not parsed.count([]) and not parsed.count([""]):
            return list(range(1, len(parsed) + 1)), parsed
        kept = [number for number, values in enumerate(parsed, start=1) if not _blank(values)]
        return kept, [parsed[number - 1] for number in kept]
    reader = _reader(text)
    lines, rows = [], []
    end_of_previous = 0
    try:
        for values in reader:
            start = end_of_previous + 1
            end_of_previous = reader.line_num
            if not _blank(values):
                lines.append(start)
                rows.append(values)
    except csv.Error as exc:
        raise ImportRejected([RowError(end_of_previous + 1, _csv_problem(exc, longest=longest))]) from exc
    return lines, rows


def _reader(text: str) -> "_csv._reader":
    # newline="": lines end at \n, \r\n or \r, and a line break inside quotes stays in the value
    return csv.reader(io.StringIO(text, newline=""), strict=True, skipinitialspace=True)


def _line_count(text: str) -> int:
    """Lines as the reader counts them (a blank one is an empty record)."""
    crlf = text.count("\r\n")
    breaks = text.count("\n") + text.count("\r") - crlf
    return breaks + (0 if text.endswith(("\n", "\r")) else 1)


def _blank(values: list[str]) -> bool:
    return values == [] or values == [""]  # an empty line, or one of spaces


def _csv_problem(exc: csv.Error, *, longest: int) -> str:
    reason = str(exc)
    if reason.startswith("field larger than field limit"):
        return f"a value is longer than {csv.field_size_limit():,} characters (no column holds more than {longest:,})"
    if reason == "unexpected end of data":
        return 'a quoted value that starts in this row never ends: a closing " is missing'
    if "expected after" in reason:
        return 'text after a closing quote: a " inside a quoted value must be written twice ("")'
    return f"not a well-formed CSV row ({reason})"


def _check_header(columns: list[str], line: int, *, required: set[str], optional: set[str]) -> None:
    errors = []
    allowed_columns = required | optional
    unknown = [
        column or f"(no name, column {position})"
        for position, column in enumerate(columns, start=1)
        if column not in allowed_columns
    ]
    if unknown:
        allowed = ", ".join(sorted(required)) + " (required); " + ", ".join(sorted(optional)) + " (optional)"
        errors.append(RowError(line, f"unknown column(s) {', '.join(unknown)}; allowed: {allowed}"))
    missing = sorted(required - set(columns))
    if missing:
        errors.append(RowError(line, f"missing required column(s): {', '.join(missing)}"))
    duplicated = sorted({column for column in columns if columns.count(column) > 1})
    if duplicated:
        errors.append(RowError(line, f"column(s) given twice: {', '.join(duplicated)}"))
    if errors:
        raise ImportRejected(errors)


def _line_up(lines: list[int], rows: list[list[str]], columns: list[str], *, required: set[str]) -> None:
    """Make every row as wide as the header, or refuse the rows that cannot be lined up with it."""
    width = len(columns)
    if set(map(len, rows)) == {width}:
        return
    errors = []
    for line, values in zip(lines, rows, strict=True):
        if len(values) > width:
            errors.append(
                RowError(
                    line,
                    f"{len(values)} values where the header has {width} ({', '.join(columns)}): "
                    "a value that holds a comma must be in double quotes",
                )
            )
        elif len(values) < width:
            absent = [column for column in columns[len(values) :] if column in required]
            if absent:
                errors.append(
                    RowError(line, f"{len(values)} values where the header has {width}: no {', '.join(absent)}")
                )
            else:
                values.extend([""] * (width - len(values)))
    if errors:
        raise ImportRejected(errors)


def _clean(cells: np.ndarray, *, escaped: bool) -> list[str]:
    """A column's values stripped, and unescaped where an export put a quote before them (`csv_escape`)."""
    stripped = list(map(str.strip, cells))
    if escaped and any(map(methodcaller("startswith", ESCAPE), stripped)):
        return list(map(csv_unescape, stripped))
    return stripped


def _check_lengths(frame: pd.DataFrame, values: Mapping[str, list[str]], max_lengths: Mapping[str, int]) -> None:
    check = RowChecker(frame)
    for column, cells in values.items():
        limit = max_lengths[column]
        if max(map(len, cells)) <= limit:
            continue  # the usual case, found without pandas
        check.flag(
            frame[column].str.len() > limit,
            lambda row, column=column, limit=limit: (
                f"{column} is {len(row[column]):,} characters long; at most {limit:,} are allowed"
            ),
        )
    check.raise_if_any()


def model_max_length(model: type[models.Model], name: str) -> int:
    """The max_length of a model's text field: the import refuses longer values instead of letting them be cut."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.CharField) or field.max_length is None:
        raise TypeError(f"{model.__name__}.{name} is not a text field with a max_length")
    return field.max_length


def column_or_blank(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame[name] if name in frame.columns else pd.Series("", index=frame.index)


_OFFSET = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$", re.IGNORECASE)


def parse_datetimes(values: pd.Series) -> pd.Series:
    """ISO dates or datetimes to UTC timestamps; values without an offset are Dhaka local time. Bad ones are NaT."""
    # Microsecond resolution: a typo like 2999-01-01 must be reported, not overflow nanoseconds.
    result = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us, UTC]")
    present = values != ""
    has_offset = values.str.contains(_OFFSET) & present
    if has_offset.any():
        parsed = pd.to_datetime(values[has_offset], format="ISO8601", errors="coerce", utc=True)
        result[has_offset] = parsed.dt.as_unit("us")
    naive = present & ~has_offset
    if naive.any():
        parsed = pd.to_datetime(values[naive], format="ISO8601", errors="coerce").dt.as_unit("us")
        localized = parsed.dt.tz_localize(LOCAL_TZ, ambiguous="NaT", nonexistent="NaT").dt.tz_convert("UTC")
        result[naive] = localized
    return result


def flag_implausible_times(check: RowChecker, times: pd.Series, column: str) -> None:
    """Flag times before IMPORT_EARLIEST_DATE or after now plus IMPORT_FUTURE_TOLERANCE_MINUTES (see the settings).

    Every time an import reads is of something that has happened (a customer joining; a booking made, whether it was
    then completed, cancelled or a no-show), so one in the future is a mistake; left in, it would move the default
    as_of of training and scoring past today. A date like 1900-01-01 is a placeholder or a typo, and would pull a
    customer's joined_at back by a century."""
    earliest_day = settings.IMPORT_EARLIEST_DATE
    earliest = pd.Timestamp(earliest_day).tz_localize(LOCAL_TZ)
    tolerance = settings.IMPORT_FUTURE_TOLERANCE_MINUTES
    latest = pd.Timestamp(timezone.now()) + pd.Timedelta(minutes=tolerance)
    check.flag(
        times < earliest,
        lambda row: (
            f"{column} '{row[column]}' is before {earliest_day}, the earliest date an import accepts "
            "(setting IMPORT_EARLIEST_DATE)"
        ),
    )
    check.flag(
        times > latest,
        lambda row: (
            f"{column} '{row[column]}' is in the future: an import accepts times up to {tolerance} minutes after now"
        ),
    )


def parse_money(values: pd.Series) -> pd.Series:
    """Decimal Taka amounts ("1200", "1,200.50", "Tk 1200", "৳1200"); bad ones are NaN. Rounded to the paisa."""
    cleaned = values.str.replace(r"^(tk\.?|৳|bdt)\s*", "", case=False, regex=True).str.replace(",", "", regex=False)
    return pd.to_numeric(cleaned, errors="coerce").round(2)


def normalise_choice(values: pd.Series, aliases: Mapping[str, str]) -> pd.Series:
    """Map free-text spellings to choice values; unknown spellings become NaN (blank stays blank)."""
    lowered = values.str.lower().str.replace(r"[\s\-]+", "_", regex=True)
    mapped = lowered.map(aliases)
    return mapped.where(values != "", "")


CITY_ALIASES = {value: value for value in City.values} | {
    "chittagong": City.CHATTOGRAM,
    "ctg": City.CHATTOGRAM,
    "comilla": City.CUMILLA,
    "barisal": City.BARISHAL,
}
GENDER_ALIASES = {
    "f": Gender.FEMALE,
    "female": Gender.FEMALE,
    "woman": Gender.FEMALE,
    "m": Gender.MALE,
    "male": Gender.MALE,
    "man": Gender.MALE,
    "other": Gender.OTHER,
    "unknown": Gender.UNKNOWN,
}
LANGUAGE_ALIASES = {
    "bn": Language.BENGALI,
    "bengali": Language.BENGALI,
    "bangla": Language.BENGALI,
    "বাংলা": Language.BENGALI,
    "en": Language.ENGLISH,
    "english": Language.ENGLISH,
}
TRUE_WORDS = {"1", "true", "yes", "y", "t"}
FALSE_WORDS = {"0", "false", "no", "n", "f", ""}


def is_integer_like(values: pd.Series) -> pd.Series:
    numbers = pd.to_numeric(values, errors="coerce")
    return numbers.notna() & np.isclose(numbers, numbers.round())
