"""Fill the database with a simulated world (customers.synthetic) for the demo, tests and benchmarks.

Two worlds: the rich marketplace (``simulate``), written table by table, and a plain transaction log
(``transactions``), which goes in through the CSV import services as a real log would.
"""

import contextlib
import datetime as dt
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pandas as pd
from django.db import transaction
from django.utils import timezone

from customers.models import (
    SIMULATED_BOOKING_PREFIX,
    Booking,
    CompetitorSearch,
    Complaint,
    Customer,
    Provider,
    Service,
    ServiceCategory,
)
from customers.services.activity import customer_months_refresh
from customers.services.booking_import import BookingImportResult, bookings_import
from customers.services.customer_import import ImportResult, customers_import
from customers.synthetic.simulate import SyntheticData, simulate
from customers.synthetic.transactions import transactions_simulate
from sheba_retention.common.bulk import bulk_insert


class DatabaseNotEmpty(Exception):
    pass


@dataclass(frozen=True)
class GenerationResult:
    providers: int
    customers: int
    bookings: int
    complaints: int
    competitor_searches: int


def synthetic_data_generate(
    *,
    n_customers: int,
    years: float,
    seed: int,
    end_date: dt.date,
    progress: Callable[[int], object] | None = None,
) -> GenerationResult:
    """Simulate the marketplace and write it in one transaction. Refuses to mix with existing customers."""
    if n_customers < 1:
        raise ValueError("the number of customers must be at least 1")
    if not 0 < years <= 10:
        raise ValueError("years must be more than 0 and at most 10")
    _require_no_customers()
    data = simulate(n_customers=n_customers, years=years, seed=seed, end_date=end_date, progress=progress)
    with transaction.atomic():
        return synthetic_data_load(data=data)


@dataclass(frozen=True)
class TransactionLogResult:
    customers: int
    bookings: int
    start_date: dt.date
    end_date: dt.date
    customer_import: ImportResult
    booking_import: BookingImportResult
    csv_dir: Path | None  # where the CSV files were kept, if asked


def transaction_log_generate(
    *, n_customers: int, months: int, seed: int, end_date: dt.date, csv_dir: Path | None = None
) -> TransactionLogResult:
    """Simulate a plain transaction log, write its CSV files and import them with the import services, all or nothing.

    The files go to a temporary folder unless ``csv_dir`` is given. The log must end before today (Dhaka): the
    importer refuses customers who join in the future. Refuses a database that has customers already.
    """
    today = timezone.localdate()
    if end_date >= today:
        raise ValueError(f"the transaction log must end before today ({today}); got {end_date}")
    log = transactions_simulate(n_customers=n_customers, months=months, seed=seed, end_date=end_date)
    _require_no_customers()
    folder = contextlib.nullcontext(str(csv_dir)) if csv_dir is not None else tempfile.TemporaryDirectory()
    with folder as directory, transaction.atomic():
        customers_csv, bookings_csv = log.to_csv(directory)
        customers = customers_import(source=customers_csv)
        bookings = bookings_import(source=bookings_csv, create_customers=True)
    return TransactionLogResult(
        customers=len(log.customers),
        bookings=len(log.bookings),
        start_date=log.start_date,
        end_date=log.end_date,
        customer_import=customers,
        booking_import=bookings,
        csv_dir=csv_dir,
    )


def _require_no_customers() -> None:
    if Customer.objects.exists():
        raise DatabaseNotEmpty(
            f"the database already has {Customer.objects.count():,} customers; generate into an empty database"
        )


def synthetic_data_load(*, data: SyntheticData) -> GenerationResult:
    """Write simulated frames: external ids and slugs are mapped to primary keys table by table."""
    now = pd.Timestamp(timezone.now())
    category_ids = dict(ServiceCategory.objects.values_list("slug", "pk"))
    service_ids = dict(Service.objects.values_list("slug", "pk"))

    providers = data.providers.assign(
        category_id=data.providers["category_slug"].map(category_ids), created_at=now, updated_at=now
    ).drop(columns=["category_slug"])
    bulk_insert(model=Provider, frame=providers)
    provider_ids = dict(Provider.objects.values_list("external_id", "pk"))

    stored = [column for column in data.customers.columns if not column.startswith("latent_")]
    customers = (
        data.customers[stored]
        .assign(
            preferred_provider_id=data.customers["preferred_provider_external_id"].map(provider_ids).astype("Int64"),
            email=data.customers["email"].fillna(""),
            preferred_channel=data.customers["email"]
            .notna()
            .map({True: "email", False: "sms"})
            .where(data.customers["language"] == "en", "sms"),
            created_at=now,
            updated_at=now,
        )
        .drop(columns=["preferred_provider_external_id"])
    )
    bulk_insert(model=Customer, frame=customers)
    customer_ids = dict(Customer.objects.values_list("external_id", "pk"))

    bookings = data.bookings.assign(
        customer_id=data.bookings["customer_external_id"].map(customer_ids),
        service_id=data.bookings["service_slug"].map(service_ids),
        provider_id=data.bookings["provider_external_id"].map(provider_ids).astype("Int64"),
        rating=data.bookings["rating"].astype("Int64"),
    ).drop(columns=["customer_external_id", "service_slug", "provider_external_id"])
    bulk_insert(model=Booking, frame=bookings)
    customer_months_refresh()
    booking_ids = _booking_ids(data.complaints["booking_external_id"])

    complaints = data.complaints.assign(
        customer_id=data.complaints["customer_external_id"].map(customer_ids),
        booking_id=data.complaints["booking_external_id"].map(booking_ids).astype("Int64"),
        provider_id=data.complaints["provider_external_id"].map(provider_ids).astype("Int64"),
    ).drop(columns=["customer_external_id", "booking_external_id", "provider_external_id"])
    bulk_insert(model=Complaint, frame=complaints)

    searches = data.competitor_searches.assign(
        customer_id=data.competitor_searches["customer_external_id"].map(customer_ids),
        category_id=data.competitor_searches["category_slug"].map(category_ids).astype("Int64"),
    ).drop(columns=["customer_external_id", "category_slug"])
    bulk_insert(model=CompetitorSearch, frame=searches)
    return GenerationResult(
        providers=len(providers),
        customers=len(customers),
        bookings=len(bookings),
        complaints=len(complaints),
        competitor_searches=len(searches),
    )


def _booking_ids(external_ids: pd.Series) -> dict[str, int]:
    wanted = external_ids.dropna().unique().tolist()
    found: dict[str, int] = {}
    for start in range(0, len(wanted), 5_000):
        chunk = wanted[start : start + 5_000]
        found.update(Booking.objects.filter(external_id__in=chunk).values_list("external_id", "pk"))
    return found


@dataclass(frozen=True)
class SimulatedBooking:
    key: str  # unique among simulated bookings: the id is SIMULATED_BOOKING_PREFIX + key
    customer_id: int
    service_id: int
    at: dt.datetime
    amount: float
    discount: float = 0.0


def simulated_bookings_add(*, bookings: list[SimulatedBooking]) -> dict[str, Booking]:
    """Write simulated completed bookings (those whose id exists already are left as they are: a rerun adds none);
    returns every one of them by key, new or not."""
    ids = {f"{SIMULATED_BOOKING_PREFIX}{booking.key}": booking for booking in bookings}
    known = set(Booking.objects.filter(external_id__in=list(ids)).values_list("external_id", flat=True))
    new = Booking.objects.bulk_create(
        [
            Booking(
                external_id=external_id,
                customer_id=booking.customer_id,
                service_id=booking.service_id,
                booked_at=booking.at,
                scheduled_at=booking.at,
                completed_at=booking.at,
                amount=Decimal(str(round(booking.amount, 2))),
                discount=Decimal(str(round(booking.discount, 2))),
                status="completed",
            )
            for external_id, booking in ids.items()
            if external_id not in known
        ],
        batch_size=1000,
    )
    if new:
        customer_months_refresh(customer_ids={booking.customer_id for booking in new})
    found = Booking.objects.filter(external_id__in=list(ids))
    return {booking.external_id.removeprefix(SIMULATED_BOOKING_PREFIX): booking for booking in found}
