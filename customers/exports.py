"""CSV export of customers and bookings in exactly the columns the importers read, so files round-trip."""

from collections.abc import Iterator

from customers.models import Booking, Customer
from customers.services.booking_import import BOOKING_CSV_COLUMNS
from customers.services.customer_import import CUSTOMER_CSV_COLUMNS
from sheba_retention.common.csvfiles import iso_local

CUSTOMER_EXPORT_COLUMNS = CUSTOMER_CSV_COLUMNS
BOOKING_EXPORT_COLUMNS = BOOKING_CSV_COLUMNS
CHUNK = 5_000


def customer_rows() -> Iterator[list[str]]:
    fields = ["external_id", "name", "phone", "email", "area", "city", "gender", "language", "joined_at"]
    for row in Customer.objects.order_by("pk").values_list(*fields).iterator(chunk_size=CHUNK):
        *rest, joined_at = row
        yield [*rest, iso_local(joined_at)]


def booking_rows() -> Iterator[list[str]]:
    complained = set(Booking.objects.filter(complaints__isnull=False).values_list("pk", flat=True))
    fields = [
        "pk",
        "external_id",
        "customer__external_id",
        "booked_at",
        "amount",
        "service__slug",
        "status",
        "rating",
        "provider__external_id",
        "discount",
        "payment_method",
    ]
    queryset = Booking.objects.order_by("booked_at", "pk").values_list(*fields)
    for (
        pk,
        external_id,
        customer,
        booked_at,
        amount,
        service,
        status,
        rating,
        provider,
        discount,
        method,
    ) in queryset.iterator(chunk_size=CHUNK):
        yield [
            external_id,
            customer,
            iso_local(booked_at),
            f"{amount:.2f}",
            service,
            status,
            rating or "",
            provider or "",
            f"{discount:.2f}",
            method,
            "yes" if pk in complained else "no",
        ]
