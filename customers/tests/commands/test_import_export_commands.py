import csv

import pytest
from django.core.management import CommandError, call_command

from customers.models import Booking, Customer
from customers.tests.factories import BookingFactory, ComplaintFactory, CustomerFactory
from customers.tests.snapshot import marketplace_rows


@pytest.mark.django_db
def test_import_command_fails_with_every_problem_and_writes_them_to_a_file(tmp_path):
    # given
    source = tmp_path / "customers.csv"
    source.write_text("customer_id,phone\n1,123\n2,01712345678\n3,999\n")
    errors = tmp_path / "errors.txt"

    # when
    with pytest.raises(CommandError) as failed:
        call_command("import_customers", str(source), errors_out=str(errors))

    # then
    assert "2 problem(s), nothing was imported" in str(failed.value)
    assert errors.read_text().splitlines() == [
        "line 2: phone '123' is not a Bangladeshi mobile number (+8801XXXXXXXXX)",
        "line 4: phone '999' is not a Bangladeshi mobile number (+8801XXXXXXXXX)",
    ]
    assert Customer.objects.count() == 0


@pytest.mark.django_db
def test_import_command_reports_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_bookings", str(tmp_path / "missing.csv"))


@pytest.mark.django_db
def test_exported_files_import_back_into_an_empty_database_unchanged(tmp_path):
    # given
    booking = BookingFactory(customer__external_id="0042", discount="100.00", payment_method="nagad")
    ComplaintFactory(customer=booking.customer, booking=booking)
    BookingFactory(status="cancelled", rating=None, provider=None)
    customers_csv, bookings_csv = tmp_path / "customers.csv", tmp_path / "bookings.csv"
    call_command("export_customers", out=str(customers_csv))
    call_command("export_bookings", out=str(bookings_csv))
    before = list(
        Booking.objects.order_by("external_id").values_list(
            "external_id",
            "customer__external_id",
            "booked_at",
            "amount",
            "discount",
            "status",
            "rating",
            "payment_method",
            "service__slug",
        )
    )
    Booking.objects.all().delete()
    Customer.objects.all().delete()

    # when
    call_command("import_customers", str(customers_csv))
    call_command("import_bookings", str(bookings_csv))

    # then
    after = list(
        Booking.objects.order_by("external_id").values_list(
            "external_id",
            "customer__external_id",
            "booked_at",
            "amount",
            "discount",
            "status",
            "rating",
            "payment_method",
            "service__slug",
        )
    )
    assert after == before
    assert Booking.objects.get(external_id=booking.external_id).complaints.count() == 1


FORMULAS = ['=HYPERLINK("http://evil.example","Click")', "+SUM(A1:A9)", "@SUM(A1)", "-2+3", "'=1+1", "'tis", "''"]


@pytest.mark.django_db
def test_exports_write_formulas_as_text_and_import_back_to_the_same_values(tmp_path):
    # given
    for number, name in enumerate(FORMULAS):
        customer = CustomerFactory(external_id=f"=C{number}", name=name, area=name[:60])
        BookingFactory(customer=customer, external_id=f"-B{number}", provider__external_id=f"@P{number}")
    customers_csv, bookings_csv = tmp_path / "customers.csv", tmp_path / "bookings.csv"
    call_command("export_customers", out=str(customers_csv))
    call_command("export_bookings", out=str(bookings_csv))
    before = customer_and_booking_values()

    # when
    Booking.objects.all().delete()
    Customer.objects.all().delete()
    call_command("import_customers", str(customers_csv))
    call_command("import_bookings", str(bookings_csv))

    # then
    written = list(csv.reader(customers_csv.open(newline="", encoding="utf-8")))
    assert [row[:2] for row in written[1:]] == [
        ["'=C0", '\'=HYPERLINK("http://evil.example","Click")'],
        ["'=C1", "'+SUM(A1:A9)"],
        ["'=C2", "'@SUM(A1)"],
        ["'=C3", "'-2+3"],
        ["'=C4", "''=1+1"],
        ["'=C5", "'tis"],
        ["'=C6", "'''"],
    ]
    cells = [cell for row in csv.reader(bookings_csv.open(newline="", encoding="utf-8")) for cell in row]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "@") or cell.startswith("-B")]
    assert customer_and_booking_values() == before


def customer_and_booking_values() -> list[tuple]:
    return [
        *Customer.objects.order_by("external_id").values_list("external_id", "name", "area"),
        *Booking.objects.order_by("external_id").values_list(
            "external_id", "customer__external_id", "provider__external_id"
        ),
    ]


@pytest.mark.parametrize(
    ("importer", "content"),
    [
        ("import_customers", b"customer_id,name\n1,Ra\x00hima\n"),
        ("import_bookings", b"customer_id,booked_at,amount,service\n1,2024-01-01,500,clean\x00ing\n"),
    ],
)
@pytest.mark.django_db
def test_import_commands_refuse_a_nul_byte_with_a_message_not_a_traceback(tmp_path, importer, content):
    # given
    BookingFactory(customer__external_id="1")
    source = tmp_path / "data.csv"
    source.write_bytes(content)
    before = marketplace_rows()

    # when
    with pytest.raises(CommandError) as failed:
        call_command(importer, str(source))

    # then
    assert str(failed.value) == (
        "1 problem(s), nothing was imported:\n"
        "line 2: contains a NUL byte (U+0000), which is not text; save the file as CSV UTF-8"
    )
    assert marketplace_rows() == before
