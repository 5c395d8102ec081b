"""Import customers from CSV: all rows or none, re-import updates instead of duplicating."""

from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pandas as pd
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from customers.models import Customer
from customers.services.csv_reading import (
    CITY_ALIASES,
    GENDER_ALIASES,
    LANGUAGE_ALIASES,
    PARSED_VALUE_MAX,
    RowChecker,
    column_or_blank,
    flag_implausible_times,
    model_max_length,
    normalise_choice,
    parse_datetimes,
    read_csv,
)
from sheba_retention.common.bulk import bulk_insert
from sheba_retention.common.validators import normalize_bd_phone

# Every column the file may have, in the order the exports write them; only customer_id is required.
CUSTOMER_CSV_COLUMNS = ["customer_id", "name", "phone", "email", "area", "city", "gender", "language", "joined_at"]
CUSTOMER_COLUMNS = {"customer_id"}
CUSTOMER_OPTIONAL = set(CUSTOMER_CSV_COLUMNS) - CUSTOMER_COLUMNS
# The longest value each column may hold: a model's max_length where the value is stored as given.
CUSTOMER_MAX_LENGTHS = {
    "customer_id": model_max_length(Customer, "external_id"),
    "name": model_max_length(Customer, "name"),
    "phone": PARSED_VALUE_MAX,
    "email": model_max_length(Customer, "email"),
    "area": model_max_length(Customer, "area"),
    "city": PARSED_VALUE_MAX,
    "gender": PARSED_VALUE_MAX,
    "language": PARSED_VALUE_MAX,
    "joined_at": PARSED_VALUE_MAX,
}
# Columns that update an existing customer when the file gives a non-blank value.
UPDATABLE = ["name", "phone", "email", "area", "city", "gender", "language", "joined_at"]


@dataclass(frozen=True)
class ImportResult:
    rows: int
    created: int
    updated: int
    unchanged: int

    def summary(self) -> str:
        return (
            f"{self.rows} rows: {self.created} customers created, {self.updated} updated, {self.unchanged} unchanged."
        )


def customers_import(*, source: str | Path | BinaryIO | bytes) -> ImportResult:
    """Validate the whole file, then create new customers and update changed ones in one transaction."""
    frame = read_csv(source, required=CUSTOMER_COLUMNS, optional=CUSTOMER_OPTIONAL, max_lengths=CUSTOMER_MAX_LENGTHS)
    cleaned = _clean(frame)
    with transaction.atomic():
        existing = dict(
            Customer.objects.filter(external_id__in=list(cleaned["external_id"])).values_list("external_id", "pk")
        )
        is_new = ~cleaned["external_id"].isin(existing.keys())
        created = _create(cleaned[is_new])
        updated = _update(cleaned[~is_new], existing)
    return ImportResult(rows=len(cleaned), created=created, updated=updated, unchanged=int((~is_new).sum()) - updated)


def _clean(frame: pd.DataFrame) -> pd.DataFrame:
    check = RowChecker(frame)
    ids = frame["customer_id"]
    check.flag(ids == "", "customer_id is empty")
    duplicated = ids.duplicated(keep=False) & (ids != "")
    first_line = pd.Series(frame.index, index=frame.index).groupby(ids).transform("min")
    check.flag(duplicated & (frame.index != first_line), lambda row: f"customer_id '{row['customer_id']}' repeats")

    phones = column_or_blank(frame, "phone")
    normalised_phones = phones.map(_phone_or_none)
    check.flag(
        (phones != "") & normalised_phones.isna(),
        lambda row: f"phone '{row['phone']}' is not a Bangladeshi mobile number (+8801XXXXXXXXX)",
    )
    emails = column_or_blank(frame, "email")
    check.flag((emails != "") & ~emails.map(_is_email), lambda row: f"email '{row['email']}' is not valid")

    cities = normalise_choice(column_or_blank(frame, "city"), CITY_ALIASES)
    check.flag(cities.isna(), lambda row: f"unknown city '{row['city']}'; known: {', '.join(sorted(CITY_ALIASES))}")
    genders = normalise_choice(column_or_blank(frame, "gender"), GENDER_ALIASES)
    check.flag(genders.isna(), lambda row: f"unknown gender '{row['gender']}' (use female, male, other)")
    languages = normalise_choice(column_or_blank(frame, "language"), LANGUAGE_ALIASES)
    check.flag(languages.isna(), lambda row: f"unknown language '{row['language']}' (use bn or en)")

    joined_raw = column_or_blank(frame, "joined_at")
    joined = parse_datetimes(joined_raw)
    check.flag(
        (joined_raw != "") & joined.isna(),
        lambda row: f"joined_at '{row['joined_at']}' is not an ISO date or datetime (YYYY-MM-DD[THH:MM[:SS]])",
    )
    flag_implausible_times(check, joined, "joined_at")
    names = column_or_blank(frame, "name")
    areas = column_or_blank(frame, "area")
    check.raise_if_any()

    return pd.DataFrame(
        {
            "external_id": ids,
            "name": names,
            "phone": normalised_phones.fillna(""),
            "email": emails.str.lower(),
            "city": cities,
            "area": areas,
            "gender": genders,
            "language": languages,
            "joined_at": joined,
        },
        index=frame.index,
    )


def _phone_or_none(raw: str) -> str | None:
    if not raw:
        return ""
    try:
        return normalize_bd_phone(raw)
    except ValueError:
        return None


def _is_email(value: str) -> bool:
    try:
        validate_email(value)
    except Exception:  # noqa: BLE001 - any validation failure means "not an email"
        return False
    return True


def _create(new: pd.DataFrame) -> int:
    if new.empty:
        return 0
    now = pd.Timestamp(timezone.now())
    rows = new.copy()
    rows["gender"] = rows["gender"].replace("", "unknown")
    rows["language"] = rows["language"].replace("", "bn")
    rows["joined_at"] = rows["joined_at"].fillna(now)
    rows["age_band"] = ""
    rows["preferred_channel"] = "sms"
    rows["created_at"] = now
    rows["updated_at"] = now
    return bulk_insert(model=Customer, frame=rows.reset_index(drop=True))


def _update(rows: pd.DataFrame, existing: dict[str, int]) -> int:
    """Apply the non-blank values of each row to its customer; rows that change nothing are not written."""
    if rows.empty:
        return 0
    customers = Customer.objects.in_bulk([existing[external_id] for external_id in rows["external_id"]])
    changed: list[Customer] = []
    for record in rows.to_dict("records"):
        customer = customers[existing[record["external_id"]]]
        dirty = False
        for field in UPDATABLE:
            value = record[field]
            if value is None or value == "" or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
                continue
            if field == "joined_at":
                value = value.to_pydatetime()
            if getattr(customer, field) != value:
                setattr(customer, field, value)
                dirty = True
        if dirty:
            customer.updated_at = timezone.now()  # bulk_update skips auto_now
            changed.append(customer)
    if changed:
        Customer.objects.bulk_update(changed, [*UPDATABLE, "updated_at"], batch_size=2000)
    return len(changed)
