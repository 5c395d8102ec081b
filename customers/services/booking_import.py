"""Import bookings from CSV: all rows or none; re-import is idempotent on the booking id or natural key.

A million rows must load in well under two minutes on PostgreSQL, so validation is vectorised
with pandas and new rows go in with COPY (sheba_retention.common.bulk), never row by row.
"""

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, cast

import numpy as np
import pandas as pd
from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.text import slugify

from customers.catalog import DEFAULT_SERVICE_SLUG
from customers.models import Booking, BookingStatus, Complaint, Customer, PaymentMethod, Provider, Service
from customers.services.activity import customer_months_refresh
from customers.services.csv_reading import (
    FALSE_WORDS,
    PARSED_VALUE_MAX,
    TRUE_WORDS,
    RowChecker,
    column_or_blank,
    flag_implausible_times,
    is_integer_like,
    model_max_length,
    normalise_choice,
    parse_datetimes,
    parse_money,
    read_csv,
)
from sheba_retention.common.bulk import bulk_insert, read_frame, temporary_keys

# Every column the file may have, in the order the exports write them.
BOOKING_CSV_COLUMNS = [
    "booking_id", "customer_id", "booked_at", "amount", "service", "status", "rating", "provider_id", "discount",
    "payment_method", "complained",
]  # fmt: skip
BOOKING_COLUMNS = {"customer_id", "booked_at", "amount"}
BOOKING_OPTIONAL = set(BOOKING_CSV_COLUMNS) - BOOKING_COLUMNS
# The longest value each column may hold: a model's max_length where the value is stored as given. A service the
# catalogue does not know becomes a new service of that name, so it may be no longer than a service's name.
BOOKING_MAX_LENGTHS = {
    "booking_id": model_max_length(Booking, "external_id"),
    "customer_id": model_max_length(Customer, "external_id"),
    "booked_at": PARSED_VALUE_MAX,
    "amount": PARSED_VALUE_MAX,
    "service": model_max_length(Service, "name"),
    "status": PARSED_VALUE_MAX,
    "rating": PARSED_VALUE_MAX,
    "provider_id": model_max_length(Provider, "external_id"),
    "discount": PARSED_VALUE_MAX,
    "payment_method": PARSED_VALUE_MAX,
    "complained": PARSED_VALUE_MAX,
}
MAX_AMOUNT = 10_000_000  # Tk; above this a row is a typo, not a home service
LOOKUP_CHUNK = 5_000
COMPARED = [
    "customer_id",
    "service_id",
    "provider_id",
    "booked_at",
    "amount",
    "discount",
    "status",
    "rating",
    "payment_method",
]

STATUS_ALIASES = {value: value for value in BookingStatus.values} | {
    "complete": BookingStatus.COMPLETED,
    "done": BookingStatus.COMPLETED,
    "served": BookingStatus.COMPLETED,
    "canceled": BookingStatus.CANCELLED,
    "noshow": BookingStatus.NO_SHOW,
    "no_show": BookingStatus.NO_SHOW,
}
PAYMENT_ALIASES = {value: value for value in PaymentMethod.values} | {
    "b_kash": PaymentMethod.BKASH,
    "bkash_wallet": PaymentMethod.BKASH,
    "credit_card": PaymentMethod.CARD,
    "debit_card": PaymentMethod.CARD,
    "visa": PaymentMethod.CARD,
    "mastercard": PaymentMethod.CARD,
}


@dataclass
class BookingImportResult:
    rows: int
    created: int
    updated: int
    unchanged: int
    duplicate_rows: int
    customers_created: int
    complaints_created: int
    new_services: list[str] = field(default_factory=list)
    new_providers: int = 0

    def summary(self) -> str:
        lines = [
            f"{self.rows} rows: {self.created} bookings created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.duplicate_rows} repeated rows skipped."
        ]
        if self.customers_created:
            lines.append(f"{self.customers_created} customers created.")
        if self.complaints_created:
            lines.append(f"{self.complaints_created} complaints recorded.")
        if self.new_providers:
            lines.append(f"{self.new_providers} providers added.")
        if self.new_services:
            lines.append(f"New services added to the catalogue under 'Other': {', '.join(self.new_services)}.")
        return " ".join(lines)


def bookings_import(*, source: str | Path | BinaryIO | bytes, create_customers: bool = False) -> BookingImportResult:
    frame = read_csv(source, required=BOOKING_COLUMNS, optional=BOOKING_OPTIONAL, max_lengths=BOOKING_MAX_LENGTHS)
    check = RowChecker(frame)
    rows = _clean(frame, check)
    rows, duplicate_rows = _drop_repeats(rows, frame, check)

    customer_ids = _customer_ids(rows)
    if not create_customers:
        unknown = ~rows["customer_external_id"].isin(customer_ids.keys()) & (rows["customer_external_id"] != "")
        check.flag(
            unknown.reindex(frame.index, fill_value=False),
            lambda row: (
                f"unknown customer_id '{row['customer_id']}': import the customers first, or pass --create-customers"
            ),
        )
    check.raise_if_any()  # every row is valid from here on, so the writes below cannot half-happen

    with transaction.atomic():
        customers_created = _create_missing_customers(rows, customer_ids) if create_customers else 0
        if customers_created:
            customer_ids = _customer_ids(rows)
        rows["customer_id"] = rows["customer_external_id"].map(customer_ids).astype("int64")
        new_services = _resolve_services(rows)
        new_providers = _resolve_providers(rows)
        existing = _existing_bookings(rows["external_id"])
        is_new = ~rows["external_id"].isin(existing.index)
        created = _insert(rows[is_new])
        updated = _update(rows[~is_new], existing)
        complaints = _insert_complaints(rows[is_new])
        _pull_back_joined_at(rows)
        if created or updated:
            customer_months_refresh(customer_ids=set(rows["customer_id"].tolist()))
    return BookingImportResult(
        rows=len(frame),
        created=created,
        updated=updated,
        unchanged=int((~is_new).sum()) - updated,
        duplicate_rows=duplicate_rows,
        customers_created=customers_created,
        complaints_created=complaints,
        new_services=new_services,
        new_providers=new_providers,
    )


def _clean(frame: pd.DataFrame, check: RowChecker) -> pd.DataFrame:
    ids = frame["customer_id"]
    check.flag(ids == "", "customer_id is empty")

    booked_at = parse_datetimes(frame["booked_at"])
    check.flag(
        booked_at.isna(),
        lambda row: f"booked_at '{row['booked_at']}' is not an ISO date or datetime (YYYY-MM-DD[THH:MM[:SS]])",
    )
    flag_implausible_times(check, booked_at, "booked_at")

    amount = parse_money(frame["amount"])
    check.flag(amount.isna(), lambda row: f"amount '{row['amount']}' is not a number (Taka, e.g. 1200 or 1200.50)")
    check.flag(amount < 0, lambda row: f"amount {row['amount']} is negative")
    check.flag(amount > MAX_AMOUNT, lambda row: f"amount {row['amount']} is above Tk {MAX_AMOUNT:,}")

    discount_raw = column_or_blank(frame, "discount")
    discount = parse_money(discount_raw.replace("", "0"))
    check.flag(discount.isna(), lambda row: f"discount '{row['discount']}' is not a number")
    check.flag(discount < 0, lambda row: f"discount {row['discount']} is negative")
    check.flag(
        (amount >= 0) & (discount > amount),
        lambda row: f"discount {row['discount']} is larger than the amount {row['amount']}",
    )

    status = normalise_choice(column_or_blank(frame, "status"), STATUS_ALIASES).replace(
        "", BookingStatus.COMPLETED.value
    )
    check.flag(
        status.isna(),
        lambda row: f"unknown status '{row['status']}' (use completed, cancelled or no_show)",
    )
    payment = normalise_choice(column_or_blank(frame, "payment_method"), PAYMENT_ALIASES).replace(
        "", PaymentMethod.CASH.value
    )
    check.flag(
        payment.isna(),
        lambda row: f"unknown payment_method '{row['payment_method']}' (use cash, bkash, nagad or card)",
    )

    rating_raw = column_or_blank(frame, "rating")
    rating = pd.to_numeric(rating_raw, errors="coerce")
    bad_rating = (rating_raw != "") & (~is_integer_like(rating_raw) | (rating < 1) | (rating > 5))
    check.flag(bad_rating, lambda row: f"rating '{row['rating']}' must be a whole number from 1 to 5")

    complained_raw = column_or_blank(frame, "complained").str.lower()
    check.flag(
        ~complained_raw.isin(TRUE_WORDS | FALSE_WORDS),
        lambda row: f"complained '{row['complained']}' must be yes/no, true/false or 1/0",
    )
    booking_ids = column_or_blank(frame, "booking_id")
    provider_ids = column_or_blank(frame, "provider_id")

    services = column_or_blank(frame, "service").replace("", DEFAULT_SERVICE_SLUG)
    rows = pd.DataFrame(
        {
            "customer_external_id": ids,
            "given_id": booking_ids,
            "service_text": services,
            "provider_external_id": provider_ids,
            "booked_at": booked_at,
            "amount": amount,
            "discount": discount,
            "status": status,
            "rating": rating.where(~bad_rating).astype("Int64"),
            "payment_method": payment,
            "complained": complained_raw.isin(TRUE_WORDS),
        },
        index=frame.index,
    )
    missing_id = rows["given_id"] == ""
    rows["external_id"] = rows["given_id"]
    if missing_id.any():
        rows.loc[missing_id, "external_id"] = _natural_keys(rows[missing_id])
    return rows


def _natural_keys(rows: pd.DataFrame) -> pd.Series:
    """A stable id for a booking the file gives no id for: the same customer, time, service and amount."""
    stamps = rows["booked_at"].dt.strftime("%Y-%m-%dT%H:%M:%S").fillna("")
    keys = rows["customer_external_id"] + "|" + stamps + "|" + rows["service_text"].str.lower() + "|"
    keys = keys + rows["amount"].map("{:.2f}".format)
    return keys.map(lambda key: "nk-" + hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest()[:24])


def _drop_repeats(rows: pd.DataFrame, frame: pd.DataFrame, check: RowChecker) -> tuple[pd.DataFrame, int]:
    """The same booking twice in one file is kept once; the same id with different content is an error."""
    repeated = rows["external_id"].duplicated(keep="first")
    if not repeated.any():
        return rows, 0
    content = [
        "external_id",
        "customer_external_id",
        "service_text",
        "provider_external_id",
        "booked_at",
        "amount",
        "discount",
        "status",
        "rating",
        "payment_method",
        "complained",
    ]
    identical = rows[content].astype(str).duplicated(keep="first")
    first_line = pd.Series(rows.index, index=rows.index).groupby(rows["external_id"]).transform("min")
    conflicting = repeated & ~identical
    check.flag(
        conflicting.reindex(frame.index, fill_value=False),
        lambda row: (
            f"booking_id '{row['booking_id']}' appears again with different values "
            f"(first on line {first_line[row.name]})"
        ),
    )
    return rows[~repeated], int((repeated & identical).sum())


def _ids_by_external_id(model: type[Customer] | type[Provider], external_ids: list[str]) -> dict[str, int]:
    known: dict[str, int] = {}
    for start in range(0, len(external_ids), LOOKUP_CHUNK):
        chunk = external_ids[start : start + LOOKUP_CHUNK]
        known.update(model.objects.filter(external_id__in=chunk).values_list("external_id", "pk"))
    return known


def _customer_ids(rows: pd.DataFrame) -> dict[str, int]:
    return _ids_by_external_id(Customer, rows["customer_external_id"].unique().tolist())


def _create_missing_customers(rows: pd.DataFrame, known: dict[str, int]) -> int:
    missing = rows[~rows["customer_external_id"].isin(known.keys())]
    if missing.empty:
        return 0
    first_booking = missing.groupby("customer_external_id")["booked_at"].min()
    now = pd.Timestamp(timezone.now())
    new = pd.DataFrame(
        {
            "external_id": first_booking.index,
            "joined_at": first_booking.to_numpy(),
            "name": "",
            "phone": "",
            "email": "",
            "city": "",
            "area": "",
            "gender": "unknown",
            "age_band": "",
            "language": "bn",
            "preferred_channel": "sms",
            "created_at": now,
            "updated_at": now,
        }
    )
    new["joined_at"] = pd.to_datetime(new["joined_at"], utc=True)
    return bulk_insert(model=Customer, frame=new)


def _resolve_services(rows: pd.DataFrame) -> list[str]:
    """Match services by slug or name (any case); an unknown one is added to the catalogue under 'Other'."""
    by_key: dict[str, int] = {}
    for pk, slug, name in Service.objects.values_list("pk", "slug", "name"):
        by_key[slug.lower()] = pk
        by_key.setdefault(name.lower(), pk)
    texts = rows["service_text"].str.lower()
    created = []
    other_category_id = Service.objects.get(slug=DEFAULT_SERVICE_SLUG).category_id
    for text in sorted(set(texts) - set(by_key)):
        original = rows.loc[texts == text, "service_text"].iloc[0]
        slug = _new_service_slug(original)
        service, made = Service.objects.get_or_create(
            slug=slug,
            defaults={
                "category_id": other_category_id,
                "name": original,
                "name_bn": original,
                "min_price": 0,
                "max_price": 100_000,
            },
        )
        by_key[text] = service.pk
        if made:
            created.append(original)
    rows["service_id"] = texts.map(by_key).astype("int64")
    return created


def _new_service_slug(name: str) -> str:
    """The slug of a service the catalogue does not know yet: its name's, unless that is empty (a name in Bengali) or
    longer than a slug may be; then a hash of the name tells it apart, so it is neither filed under 'Other' nor merged
    with another long name that starts the same way."""
    slug = slugify(name)
    limit = model_max_length(Service, "slug")
    if slug and len(slug) <= limit:
        return slug
    digest = hashlib.sha1(name.encode(), usedforsecurity=False).hexdigest()[:8]
    return f"{slug[: limit - len(digest) - 1].rstrip('-') or 'service'}-{digest}"


def _resolve_providers(rows: pd.DataFrame) -> int:
    """Providers are referenced by external id; one the database has not seen yet is created from its bookings."""
    given = rows["provider_external_id"] != ""
    known = _ids_by_external_id(Provider, rows.loc[given, "provider_external_id"].unique().tolist())
    missing = rows[given & ~rows["provider_external_id"].isin(known.keys())]
    created = 0
    if not missing.empty:
        category_of_service = dict(Service.objects.values_list("pk", "category_id"))
        first = missing.sort_values("booked_at").groupby("provider_external_id").first()
        now = pd.Timestamp(timezone.now())
        new = pd.DataFrame(
            {
                "external_id": first.index,
                "name": "Provider " + first.index.to_series(),
                "phone": "",
                "city": "",
                "area": "",
                "category_id": first["service_id"].map(category_of_service).to_numpy(),
                "rating": 4.0,
                "is_verified": False,
                "is_premium": False,
                "joined_at": pd.to_datetime(first["booked_at"].to_numpy(), utc=True),
                "created_at": now,
                "updated_at": now,
            }
        )
        created = bulk_insert(model=Provider, frame=new)
        known.update(_ids_by_external_id(Provider, list(first.index)))
    rows["provider_id"] = rows["provider_external_id"].map(known).astype("Int64")
    return created


def _existing_bookings(external_ids: pd.Series) -> pd.DataFrame:
    """The bookings already stored under these ids, with the columns an update compares (index: external id)."""
    columns = ["pk", "external_id", *COMPARED]
    if connection.vendor == "postgresql":
        keys = temporary_keys(external_ids.tolist())
        selected = ", ".join(f"b.{'id' if column == 'pk' else column}" for column in columns)
        found = read_frame(
            f"SELECT {selected} FROM customers_booking b JOIN {keys} k ON k.key = b.external_id",  # noqa: S608
            columns=columns,
            datetimes=("booked_at",),
            texts=("external_id", "status", "payment_method"),
        )
        return found.set_index("external_id")
    wanted = external_ids.tolist()
    rows = []
    for start in range(0, len(wanted), LOOKUP_CHUNK):
        chunk = wanted[start : start + LOOKUP_CHUNK]
        rows.extend(Booking.objects.filter(external_id__in=chunk).values(*columns))
    return pd.DataFrame(rows, columns=columns).set_index("external_id")


def _booking_frame(rows: pd.DataFrame) -> pd.DataFrame:
    completed = rows["status"] == BookingStatus.COMPLETED
    return pd.DataFrame(
        {
            "external_id": rows["external_id"],
            "customer_id": rows["customer_id"],
            "service_id": rows["service_id"],
            "provider_id": rows["provider_id"],
            "booked_at": rows["booked_at"],
            "scheduled_at": pd.Series(pd.NaT, index=rows.index, dtype="datetime64[ns, UTC]"),
            "completed_at": rows["booked_at"].where(completed),
            "amount": rows["amount"],
            "discount": rows["discount"],
            "status": rows["status"],
            "rating": rows["rating"].where(completed),
            "payment_method": rows["payment_method"],
        }
    ).reset_index(drop=True)


def _insert(new: pd.DataFrame) -> int:
    return bulk_insert(model=Booking, frame=_booking_frame(new))


def _update(rows: pd.DataFrame, existing: pd.DataFrame) -> int:
    """Rewrite bookings whose values differ from the file (a status that changed, a corrected amount)."""
    if rows.empty:
        return 0
    incoming = _booking_frame(rows).set_index("external_id")
    current = existing.loc[incoming.index]
    differs = pd.Series(False, index=incoming.index)
    for column in COMPARED:
        left, right = incoming[column], current[column]
        if column == "booked_at":
            same = pd.to_datetime(left, utc=True) == pd.to_datetime(right, utc=True)
        elif column in ("status", "payment_method"):
            same = left.astype(str) == right.astype(str)
        else:  # numbers and foreign keys; a missing value (-1) only equals a missing value
            same = np.isclose(_number(left), _number(right))
        differs |= ~pd.Series(same, index=incoming.index)
    changed = incoming[differs]
    if changed.empty:
        return 0
    bookings = Booking.objects.in_bulk(current.loc[changed.index, "pk"].tolist())
    fields = [*COMPARED, "completed_at"]
    for external_id, record in changed.iterrows():
        pk = cast(int, current.at[external_id, "pk"])  # pandas' stubs cannot know the pk column holds ints
        booking = bookings[int(pk)]
        for name in fields:
            value = record[name]
            if pd.isna(value):
                value = None
            elif isinstance(value, pd.Timestamp):
                value = value.to_pydatetime()
            elif name in ("customer_id", "service_id", "provider_id", "rating"):
                value = int(value)
            setattr(booking, name, value)
    Booking.objects.bulk_update(list(bookings.values()), fields, batch_size=2000)
    return len(changed)


def _number(values: pd.Series) -> np.ndarray:
    return pd.to_numeric(values.astype(object), errors="coerce").astype(float).fillna(-1).to_numpy()


def _insert_complaints(new: pd.DataFrame) -> int:
    complained = new[new["complained"]]
    if complained.empty:
        return 0
    booking_pks = dict(
        Booking.objects.filter(external_id__in=complained["external_id"].tolist()).values_list("external_id", "pk")
    )
    frame = pd.DataFrame(
        {
            "customer_id": complained["customer_id"],
            "booking_id": complained["external_id"].map(booking_pks),
            "provider_id": complained["provider_id"],
            "created_at": complained["booked_at"],
            "category": "other",
            "description": "Imported: the customer complained about this booking.",
        }
    ).reset_index(drop=True)
    return bulk_insert(model=Complaint, frame=frame)


def _pull_back_joined_at(rows: pd.DataFrame) -> None:
    """A customer cannot have joined after their first booking: move joined_at back where the file shows earlier."""
    first_booking = Booking.objects.filter(customer=OuterRef("pk")).order_by("booked_at").values("booked_at")[:1]
    customer_pks = rows["customer_id"].unique().tolist()
    for start in range(0, len(customer_pks), LOOKUP_CHUNK):
        chunk = customer_pks[start : start + LOOKUP_CHUNK]
        Customer.objects.filter(pk__in=chunk, joined_at__gt=Subquery(first_booking)).update(
            joined_at=Subquery(first_booking)
        )
