"""Reading and checking uploaded CSV files: encoding, header, every bad row with its line number.

Shared by the customer and booking imports. Nothing here writes to the database.
"""

import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd

from customers.models import City, Gender, Language

LOCAL_TZ = "Asia/Dhaka"
MAX_REPORTED_ERRORS = 1000
FIRST_DATA_LINE = 2  # line 1 is the header


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


def read_csv(source: str | Path | BinaryIO | bytes, *, required: set[str], optional: set[str]) -> pd.DataFrame:
    """Read a whole CSV as text columns, indexed by line number, or raise ImportRejected on a structural problem."""
    raw = _read_bytes(source)
    text = _decode(raw)
    if not text.strip():
        raise ImportRejected([RowError(1, "the file is empty: expected a header line and at least one row")])
    try:
        frame = pd.read_csv(
            io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True, skip_blank_lines=True
        )
    except pd.errors.ParserError as exc:
        match = re.search(r"line (\d+)", str(exc))
        line = int(match.group(1)) if match else 1
        raise ImportRejected([RowError(line, f"not a well-formed CSV row ({exc})")]) from exc
    frame.columns = [str(column).strip().lower() for column in frame.columns]
    _check_header(frame, required=required, optional=optional)
    if frame.empty:
        raise ImportRejected([RowError(1, "the file has a header but no rows")])
    frame.index = _line_numbers(text, len(frame))
    return frame.apply(lambda column: column.str.strip())


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


def _check_header(frame: pd.DataFrame, *, required: set[str], optional: set[str]) -> None:
    columns = list(frame.columns)
    errors = []
    unknown = [column for column in columns if column not in required | optional]
    if unknown:
        allowed = ", ".join(sorted(required)) + " (required); " + ", ".join(sorted(optional)) + " (optional)"
        errors.append(RowError(1, f"unknown column(s) {', '.join(unknown)}; allowed: {allowed}"))
    missing = sorted(required - set(columns))
    if missing:
        errors.append(RowError(1, f"missing required column(s): {', '.join(missing)}"))
    duplicated = sorted({column for column in columns if columns.count(column) > 1})
    if duplicated:
        errors.append(RowError(1, f"column(s) given twice: {', '.join(duplicated)}"))
    if errors:
        raise ImportRejected(errors)


def _line_numbers(text: str, n_rows: int) -> pd.Index:
    """Line of each data row, skipping blank lines as the parser does (quoted multi-line fields are not expected)."""
    lines = [number for number, line in enumerate(text.splitlines(), start=1) if line.strip()]
    numbers = lines[1 : n_rows + 1]
    if len(numbers) != n_rows:  # quoted newlines: fall back to row order
        numbers = list(range(FIRST_DATA_LINE, FIRST_DATA_LINE + n_rows))
    return pd.Index(numbers, name="line")


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
