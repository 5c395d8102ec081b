"""A transaction log's CSV files go in through the import commands, and the database then holds its pure History."""

import datetime as dt
from io import StringIO

import pandas as pd
import pytest
from django.core.management import call_command

from customers.models import Booking, Customer
from customers.synthetic.transactions import TransactionLog, transaction_history, transactions_simulate
from predictions.selectors import history_load

END = dt.date(2025, 6, 30)


@pytest.fixture(scope="module")
def log() -> TransactionLog:
    return transactions_simulate(n_customers=300, months=12, seed=4, end_date=END)


def _import(customers_csv, bookings_csv) -> list[str]:
    out = StringIO()
    call_command("import_customers", str(customers_csv), stdout=out)
    call_command("import_bookings", str(bookings_csv), create_customers=True, stdout=out)
    return out.getvalue().splitlines()


def _stored() -> dict:
    return {
        "customers": list(Customer.objects.order_by("external_id").values_list("external_id", "joined_at")),
        "bookings": list(
            Booking.objects.order_by("external_id").values_list(
                "external_id",
                "customer__external_id",
                "booked_at",
                "completed_at",
                "amount",
                "discount",
                "status",
                "rating",
                "service__slug",
                "provider",
                "payment_method",
            )
        ),
    }


@pytest.mark.django_db
def test_the_csv_files_import_cleanly_and_a_second_import_changes_nothing(log: TransactionLog, tmp_path):
    # given
    customers_csv, bookings_csv = log.to_csv(tmp_path)
    n = len(log.bookings)

    # when
    first = _import(customers_csv, bookings_csv)
    stored = _stored()
    again = _import(customers_csv, bookings_csv)

    # then
    assert first == [
        "300 rows: 300 customers created, 0 updated, 0 unchanged.",
        f"{n} rows: {n} bookings created, 0 updated, 0 unchanged, 0 repeated rows skipped.",
    ]
    assert again == [
        "300 rows: 0 customers created, 0 updated, 300 unchanged.",
        f"{n} rows: 0 bookings created, 0 updated, {n} unchanged, 0 repeated rows skipped.",
    ]
    assert _stored() == stored
    # What the importer makes of a row with only id, date and amount.
    bookings = pd.DataFrame(
        stored["bookings"],
        columns=["id", "customer", "booked_at", "completed_at", "amount", "discount", "status", "rating", "service",
                 "provider", "payment"],
    )  # fmt: skip
    assert set(bookings["status"]) == {"completed"}
    assert set(bookings["service"]) == {"other"}
    assert (bookings["completed_at"] == bookings["booked_at"]).all()
    assert (bookings["discount"] == 0).all()
    assert bookings["rating"].isna().all()
    assert bookings["provider"].isna().all()
    assert set(bookings["payment"]) == {"cash"}
    first_purchase = bookings.groupby("customer")["booked_at"].min()
    assert {external_id: joined for external_id, joined in stored["customers"]} == first_purchase.to_dict()


@pytest.mark.django_db
def test_the_history_loaded_after_an_import_is_the_pure_conversion(log: TransactionLog, tmp_path):
    # given
    _import(*log.to_csv(tmp_path))
    expected = transaction_history(log)
    # The conversion numbers customers 1..n in joining order; the database has its own keys.
    number = dict(zip(log.customers["external_id"], expected.customers["customer_id"], strict=True))
    renumber = {pk: number[external_id] for pk, external_id in Customer.objects.values_list("pk", "external_id")}

    # when
    loaded = history_load()

    # then
    def in_order(frame: pd.DataFrame, time: str) -> pd.DataFrame:
        return frame.sort_values(["customer_id", time]).reset_index(drop=True)

    customers = loaded.customers.assign(customer_id=loaded.customers["customer_id"].map(renumber))
    bookings = loaded.bookings.assign(customer_id=loaded.bookings["customer_id"].map(renumber))
    pd.testing.assert_frame_equal(in_order(customers, "joined_at"), in_order(expected.customers, "joined_at"))
    pd.testing.assert_frame_equal(in_order(bookings, "booked_at"), in_order(expected.bookings, "booked_at"))
    for name in ("complaints", "searches"):
        assert getattr(loaded, name).empty
        assert getattr(expected, name).empty
        assert list(getattr(loaded, name).columns) == list(getattr(expected, name).columns)
