"""The months each customer was active in (customers.models.CustomerMonth), derived from their completed bookings.

Every service that writes bookings calls customer_months_refresh in the same transaction; the nightly run rebuilds
the whole table, so a booking changed any other way (the admin, a script) shows in the reports by the next morning,
as every other figure of the analyst portal does.
"""

from collections.abc import Collection
from zoneinfo import ZoneInfo

import pandas as pd
from django.db import connection, transaction
from django.db.models import Count, DateField, Sum
from django.db.models.functions import TruncMonth

from customers.models import Booking, BookingStatus, CustomerMonth
from customers.services.csv_reading import LOCAL_TZ
from sheba_retention.common.bulk import bulk_insert

# Past this many customers, rebuilding everyone's months is quicker than a list of ids (and keeps below SQLite's
# limit on a statement's parameters).
REBUILD_ALL_ABOVE = 5_000


def month_in_dhaka(field: str) -> TruncMonth:
    """The first day (a date) of the month of the moment `field`, in Dhaka: the month the active months and the
    reports count in."""
    return TruncMonth(field, tzinfo=ZoneInfo(LOCAL_TZ), output_field=DateField())


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
        ids = list(customer_ids)
        months, bookings = months.filter(customer_id__in=ids), bookings.filter(customer_id__in=ids)
    # the database groups the bookings (a million in a second or two), in the SQL Django writes for its engine, so
    # the month in Dhaka is the one the reports and the features use
    grouped = (
        bookings.annotate(month=month_in_dhaka("booked_at"))
        .values("customer_id", "month")
        .annotate(bookings=Count("pk"), spend=Sum("amount"))
        .values_list("customer_id", "month", "bookings", "spend")
        .order_by()
    )
    sql, params = grouped.query.sql_with_params()
    with connection.cursor() as cursor:  # raw rows: Django's converters cost more than the query at 100k customers
        cursor.execute(sql, params)
        rows = pd.DataFrame(cursor.fetchall(), columns=["customer_id", "month", "bookings", "spend"])
    rows = rows.sort_values(["customer_id", "month"], ignore_index=True)
    month = pd.to_datetime(rows["month"])  # a date, or its ISO text on SQLite
    following = month.groupby(rows["customer_id"]).shift(-1)
    rows["active_next_month"] = following.eq(month + pd.offsets.MonthBegin(1))
    rows["month"] = month.dt.date
    rows["spend"] = rows["spend"].astype(str)
    with transaction.atomic():
        if customer_ids is None and connection.vendor == "postgresql":
            # a nightly DELETE of every row would leave them all dead in the table and its indexes until a vacuum
            with connection.cursor() as cursor:
                cursor.execute(f"TRUNCATE {connection.ops.quote_name(month_model._meta.db_table)}")
        else:
            months.delete()
        return bulk_insert(model=month_model, frame=rows)
