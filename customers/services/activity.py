"""The months each customer was active in (customers.models.CustomerMonth), derived from their completed bookings.

Every service that writes bookings calls customer_months_refresh in the same transaction; the nightly run rebuilds
the whole table, so a booking changed any other way (the admin, a script) shows in the reports by the next morning,
as every other figure of the analyst portal does.
"""

import datetime as dt
from collections.abc import Collection
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Count, DateField, Exists, ExpressionWrapper, OuterRef, Sum, Value
from django.db.models.functions import TruncMonth

from customers.models import Booking, BookingStatus, CustomerMonth
from customers.services.csv_reading import LOCAL_TZ

# Past this many customers, rebuilding everyone's months is quicker than a list of ids (and keeps below SQLite's
# limit on a statement's parameters).
REBUILD_ALL_ABOVE = 5_000


def customer_months_refresh(*, customer_ids: Collection[int] | None = None) -> int:
    """Rebuild the active months of these customers (of everyone when None) from their completed bookings; returns
    how many rows they now have."""
    if customer_ids is not None and len(customer_ids) > REBUILD_ALL_ABOVE:
        customer_ids = None
    return customer_months_write(booking_model=Booking, month_model=CustomerMonth, customer_ids=customer_ids)


def customer_months_write(
    *, booking_model: type[Booking], month_model: type[CustomerMonth], customer_ids: Collection[int] | None
) -> int:
    """customer_months_refresh with the models given: the migration that adds the table fills it with its own."""
    months = month_model.objects.all()
    bookings = booking_model.objects.filter(status=BookingStatus.COMPLETED)
    if customer_ids is not None:
        months = months.filter(customer_id__in=list(customer_ids))
        bookings = bookings.filter(customer_id__in=list(customer_ids))
    select = (
        bookings.annotate(month=TruncMonth("booked_at", tzinfo=ZoneInfo(LOCAL_TZ), output_field=DateField()))
        .values("customer_id", "month")
        .annotate(bookings=Count("pk"), spend=Sum("amount"), active_next_month=Value(False))
        .order_by()
    )
    # One INSERT ... SELECT: the database groups the bookings itself (a million of them in a second or two), in the
    # SQL Django writes for its engine, so the month in Dhaka is the one the reports and the features use.
    sql, params = select.query.sql_with_params()
    table = connection.ops.quote_name(month_model._meta.db_table)
    # the same customer's row for the next month: the only one within 31 days after a month's first day
    next_month = month_model.objects.filter(
        customer=OuterRef("customer"),
        month__gt=OuterRef("month"),
        month__lte=ExpressionWrapper(OuterRef("month") + dt.timedelta(days=31), output_field=DateField()),
    )
    with transaction.atomic():
        months.delete()
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (customer_id, month, bookings, spend, active_next_month) {sql}", params
            )
            written = cursor.rowcount
        months.filter(Exists(next_month)).update(active_next_month=True)
    return written
