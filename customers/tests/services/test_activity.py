"""The active months the reports read: one row per customer and Dhaka month with a completed booking, kept in step
by every writer of bookings."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from customers.models import BookingStatus, CustomerMonth
from customers.services.activity import customer_months_refresh
from customers.services.booking_import import bookings_import
from customers.services.synthetic_load import SimulatedBooking, simulated_bookings_add
from customers.tests.factories import BookingFactory, CustomerFactory

pytestmark = pytest.mark.django_db

DHAKA = ZoneInfo("Asia/Dhaka")


def months_of(customer) -> list[tuple[dt.date, int, Decimal]]:
    return list(CustomerMonth.objects.filter(customer=customer).values_list("month", "bookings", "spend"))


def test_completed_bookings_make_one_row_per_month_in_dhaka():
    # given: three completed bookings in January, one cancelled; one at 02:00 on 1 February in Dhaka, which is still
    # 31 January in UTC
    customer = CustomerFactory()
    for day, amount in ((10, "1000.00"), (11, "500.50"), (12, "250.00")):
        BookingFactory(customer=customer, booked_at=dt.datetime(2025, 1, day, 12, tzinfo=DHAKA), amount=Decimal(amount))
    BookingFactory(customer=customer, booked_at=dt.datetime(2025, 1, 20, tzinfo=DHAKA), status=BookingStatus.CANCELLED)
    BookingFactory(customer=customer, booked_at=dt.datetime(2025, 2, 1, 2, tzinfo=DHAKA), amount=Decimal("800.00"))

    # when
    rows = customer_months_refresh()

    # then
    assert rows == 2
    assert months_of(customer) == [
        (dt.date(2025, 1, 1), 3, Decimal("1750.50")),
        (dt.date(2025, 2, 1), 1, Decimal("800.00")),
    ]
    assert list(CustomerMonth.objects.values_list("month", "active_next_month")) == [
        (dt.date(2025, 1, 1), True),
        (dt.date(2025, 2, 1), False),
    ]


def test_refreshing_some_customers_leaves_the_others_and_a_rerun_changes_nothing():
    # given
    first, second = CustomerFactory(), CustomerFactory()
    for customer in (first, second):
        BookingFactory(customer=customer, booked_at=dt.datetime(2025, 3, 5, 12, tzinfo=DHAKA), amount=Decimal("900"))
    customer_months_refresh()
    BookingFactory(customer=first, booked_at=dt.datetime(2025, 4, 5, 12, tzinfo=DHAKA), amount=Decimal("100"))
    BookingFactory(customer=second, booked_at=dt.datetime(2025, 4, 5, 12, tzinfo=DHAKA), amount=Decimal("100"))

    # when
    customer_months_refresh(customer_ids=[first.pk])
    customer_months_refresh(customer_ids=[first.pk])

    # then: the second customer's April shows after the next full rebuild (the nightly run's)
    assert [month for month, _, _ in months_of(first)] == [dt.date(2025, 3, 1), dt.date(2025, 4, 1)]
    assert [month for month, _, _ in months_of(second)] == [dt.date(2025, 3, 1)]
    customer_months_refresh()
    assert [month for month, _, _ in months_of(second)] == [dt.date(2025, 3, 1), dt.date(2025, 4, 1)]


def test_an_import_keeps_the_months_in_step_with_its_bookings():
    # given
    customer = CustomerFactory(external_id="00123", joined_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    header = "booking_id,customer_id,booked_at,amount,status\n"
    bookings_import(source=(header + "B1,00123,2024-03-01T10:00:00,1200,completed\n").encode())
    assert months_of(customer) == [(dt.date(2024, 3, 1), 1, Decimal("1200.00"))]

    # when: the booking turns out to be cancelled, and another arrives in May
    bookings_import(
        source=(header + "B1,00123,2024-03-01T10:00:00,1200,cancelled\nB2,00123,2024-05-02,700,completed\n").encode()
    )

    # then
    assert months_of(customer) == [(dt.date(2024, 5, 1), 1, Decimal("700.00"))]


def test_simulated_bookings_count_as_activity():
    customer = CustomerFactory()
    service = BookingFactory(customer=customer, booked_at=dt.datetime(2025, 1, 5, tzinfo=DHAKA)).service

    simulated_bookings_add(
        bookings=[
            SimulatedBooking(
                key="1",
                customer_id=customer.pk,
                service_id=service.pk,
                at=dt.datetime(2025, 6, 1, 12, tzinfo=DHAKA),
                amount=450.0,
            )
        ]
    )

    assert [(month, bookings) for month, bookings, _ in months_of(customer)] == [
        (dt.date(2025, 1, 1), 1),
        (dt.date(2025, 6, 1), 1),
    ]
