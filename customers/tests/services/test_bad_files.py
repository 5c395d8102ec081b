"""Files that used to get in and must not (issue #10): every one is refused whole, with its line, changing nothing."""

import datetime as dt

import pytest
from django.utils import timezone

from customers.models import Customer, Service
from customers.services.booking_import import bookings_import
from customers.services.csv_reading import ImportRejected
from customers.services.customer_import import customers_import
from customers.tests.factories import BookingFactory, CustomerFactory
from customers.tests.snapshot import marketplace_rows
from predictions.services.training import default_as_of


@pytest.fixture
def rahima(db):
    customer = CustomerFactory(external_id="00123", name="Rahima", joined_at=dt.datetime(2024, 6, 1, tzinfo=dt.UTC))
    BookingFactory(customer=customer, external_id="B0", booked_at=dt.datetime(2024, 6, 2, tzinfo=dt.UTC))
    return customer


def refusal(importer, source: bytes) -> list[str]:
    """The messages of the import's refusal; the test fails if anything in the database changed."""
    before = marketplace_rows()
    with pytest.raises(ImportRejected) as rejected:
        importer(source=source)
    assert marketplace_rows() == before
    return [str(error) for error in rejected.value.errors]


def one_row(values: dict[str, str]) -> bytes:
    return (",".join(values) + "\n" + ",".join(values.values()) + "\n").encode()


def future(**delta: float) -> str:
    return timezone.localtime(timezone.now() + dt.timedelta(**delta)).isoformat()


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            b"customer_id,name\nPX019,Amina\nPX020,Zed,extra,fields\n",
            [
                "line 3: 4 values where the header has 2 (customer_id, name): "
                "a value that holds a comma must be in double quotes"
            ],
        ),
        (
            b"customer_id,name,area\nPX020,Zed,Mirpur,\n",
            [
                "line 2: 4 values where the header has 3 (customer_id, name, area): "
                "a value that holds a comma must be in double quotes"
            ],
        ),
        (
            b'customer_id,name,phone\n1,"Akter, Rahima",01712345678\n2,Akter, Rahima,01712345678\n',
            [
                "line 3: 4 values where the header has 3 (customer_id, name, phone): "
                "a value that holds a comma must be in double quotes"
            ],
        ),
    ],
)
@pytest.mark.django_db
def test_a_customer_row_with_more_values_than_the_header_is_refused(rahima, source, expected):
    assert refusal(customers_import, source) == expected


@pytest.mark.django_db
def test_a_booking_amount_with_an_unquoted_thousands_comma_is_refused_not_shifted(rahima):
    messages = refusal(bookings_import, b"customer_id,booked_at,amount,service\n00123,2024-07-01,1,200,cleaning\n")

    assert messages == [
        "line 2: 5 values where the header has 4 (customer_id, booked_at, amount, service): "
        "a value that holds a comma must be in double quotes"
    ]


@pytest.mark.django_db
def test_a_row_missing_a_required_value_at_its_end_is_refused(rahima):
    messages = refusal(bookings_import, b"customer_id,amount,booked_at\n00123,500,2024-07-01\n00123,500\n")

    assert messages == ["line 3: 2 values where the header has 3: no booked_at"]


@pytest.mark.django_db
def test_a_row_that_stops_before_optional_columns_reads_them_as_blank():
    # given: spreadsheet programs leave out a row's trailing empty cells
    source = b"customer_id,name,city,area\n0042,Rahima,Dhaka,Mirpur\n0043,Karim\n"

    # when
    result = customers_import(source=source)

    # then
    assert result.created == 2
    assert list(Customer.objects.order_by("external_id").values_list("name", "city", "area")) == [
        ("Rahima", "dhaka", "Mirpur"),
        ("Karim", "", ""),
    ]


NUL = "contains a NUL byte (U+0000), which is not text; save the file as CSV UTF-8"


@pytest.mark.parametrize(
    ("importer", "source", "expected"),
    [
        (customers_import, b"customer_id,name\n1,Rahima\n2,Ka\x00rim\n", [f"line 3: {NUL}"]),
        (customers_import, b"customer_id,name\n\x001,Rahima\n2,Karim\x00\n", [f"line 2: {NUL}", f"line 3: {NUL}"]),
        (
            bookings_import,
            b"customer_id,booked_at,amount,service\n00123,2024-07-01,500,clean\x00ing\n",
            [f"line 2: {NUL}"],
        ),
        (
            customers_import,
            b"customer_id,name\n1,\x1b[31mRahima\n",
            ["line 2: contains the control character U+001B, which is not text; save the file as CSV UTF-8"],
        ),
        (
            customers_import,
            "customer_id,name\n1,Rahima\u0085\n".encode(),
            ["line 2: contains the control character U+0085, which is not text; save the file as CSV UTF-8"],
        ),
        (
            customers_import,
            b'customer_id,name\n1,"Rahima\nAkter"\n2,Karim\x7f\n',
            ["line 4: contains the control character U+007F, which is not text; save the file as CSV UTF-8"],
        ),
    ],
)
@pytest.mark.django_db
def test_control_characters_are_refused_with_their_line_before_they_reach_the_database(
    rahima, importer, source, expected
):
    assert refusal(importer, source) == expected


@pytest.mark.django_db
def test_tabs_and_line_breaks_inside_quoted_values_are_text_and_kept():
    customers_import(source=b'customer_id,name,area\n0042,Rahima\tAkter,"House 4\r\nRoad 2"\n')

    assert Customer.objects.values_list("name", "area").get() == ("Rahima\tAkter", "House 4\r\nRoad 2")


@pytest.mark.parametrize("status", ["completed", "cancelled", "no_show"])
@pytest.mark.django_db
def test_a_booking_before_the_earliest_plausible_date_is_refused_and_moves_no_joined_at(rahima, status):
    messages = refusal(
        bookings_import, f"customer_id,booked_at,amount,status\n00123,1900-01-01,500,{status}\n".encode()
    )

    assert messages == [
        "line 2: booked_at '1900-01-01' is before 2000-01-01, the earliest date an import accepts "
        "(setting IMPORT_EARLIEST_DATE)"
    ]
    rahima.refresh_from_db()
    assert rahima.joined_at == dt.datetime(2024, 6, 1, tzinfo=dt.UTC)


@pytest.mark.parametrize("status", ["completed", "cancelled", "no_show"])
@pytest.mark.django_db
def test_a_booking_in_the_future_is_refused_whatever_its_status(rahima, status):
    when = future(days=30)

    messages = refusal(bookings_import, f"customer_id,booked_at,amount,status\n00123,{when},500,{status}\n".encode())

    assert messages == [
        f"line 2: booked_at '{when}' is in the future: an import accepts times up to 60 minutes after now"
    ]
    assert default_as_of() == dt.date(2024, 6, 3)  # the day after the last booking, B0, as before


@pytest.mark.django_db
def test_a_booking_a_little_ahead_of_our_clock_is_within_the_tolerance(rahima):
    result = bookings_import(source=f"customer_id,booked_at,amount\n00123,{future(minutes=50)},500\n".encode())

    assert result.created == 1


@pytest.mark.django_db
def test_the_plausible_range_follows_the_settings(rahima, settings):
    # given
    settings.IMPORT_EARLIEST_DATE = dt.date(2024, 1, 1)
    settings.IMPORT_FUTURE_TOLERANCE_MINUTES = 0
    source = f"customer_id,booked_at,amount\n00123,2023-12-31T23:59:59,500\n00123,{future(minutes=5)},500\n"

    # when
    messages = refusal(bookings_import, source.encode())

    # then
    assert [message.split(" is ")[1] for message in messages] == [
        "before 2024-01-01, the earliest date an import accepts (setting IMPORT_EARLIEST_DATE)",
        "in the future: an import accepts times up to 0 minutes after now",
    ]


@pytest.mark.parametrize(
    ("joined_at", "expected"),
    [
        ("1899-12-31", "is before 2000-01-01, the earliest date an import accepts (setting IMPORT_EARLIEST_DATE)"),
        ("1999-12-31T23:59:59+06:00", "is before 2000-01-01, the earliest date an import accepts"),
        ("2999-01-01", "is in the future: an import accepts times up to 60 minutes after now"),
    ],
)
@pytest.mark.django_db
def test_a_customer_joined_at_outside_the_plausible_range_is_refused(rahima, joined_at, expected):
    messages = refusal(customers_import, f"customer_id,joined_at\n00123,{joined_at}\n".encode())

    assert len(messages) == 1
    assert messages[0].startswith(f"line 2: joined_at '{joined_at}' {expected}")


@pytest.mark.django_db
def test_the_earliest_plausible_date_itself_is_accepted():
    customers_import(source=b"customer_id,joined_at\n0042,2000-01-01\n")

    assert Customer.objects.get().joined_at == dt.datetime(1999, 12, 31, 18, 0, tzinfo=dt.UTC)  # midnight in Dhaka


@pytest.mark.django_db
def test_a_million_character_service_name_is_refused_not_truncated(rahima):
    source = b"customer_id,booked_at,amount,service\n00123,2024-07-01,500," + b"x" * 1_000_000 + b"\n"

    messages = refusal(bookings_import, source)

    assert messages == ["line 2: a value is longer than 131,072 characters (no column holds more than 120)"]


@pytest.mark.django_db
def test_a_service_name_one_character_over_the_catalogue_limit_is_refused(rahima):
    messages = refusal(
        bookings_import,
        one_row({"customer_id": "00123", "booked_at": "2024-07-01", "amount": "500", "service": "x" * 121}),
    )

    assert messages == ["line 2: service is 121 characters long; at most 120 are allowed"]


@pytest.mark.django_db
def test_a_new_service_name_as_long_as_the_catalogue_allows_is_stored_whole(rahima):
    name = ("Deep cleaning of a " + "very " * 10 + "large flat").ljust(120, "!")

    result = bookings_import(
        source=one_row({"customer_id": "00123", "booked_at": "2024-07-01", "amount": "500", "service": name})
    )

    assert result.new_services == [name]
    assert Service.objects.get(name=name).name_bn == name


@pytest.mark.parametrize(
    ("column", "limit"),
    [("customer_id", 64), ("name", 120), ("phone", 40), ("email", 254), ("area", 60), ("city", 40), ("joined_at", 40)],
)
@pytest.mark.django_db
def test_every_customer_column_is_checked_against_its_length(rahima, column, limit):
    messages = refusal(customers_import, one_row({"customer_id": "00124", column: "a" * (limit + 1)}))

    assert messages == [f"line 2: {column} is {limit + 1} characters long; at most {limit} are allowed"]


@pytest.mark.parametrize(
    ("column", "limit"),
    [("booking_id", 64), ("customer_id", 64), ("provider_id", 64), ("amount", 40), ("rating", 40), ("status", 40)],
)
@pytest.mark.django_db
def test_every_booking_column_is_checked_against_its_length(rahima, column, limit):
    row = {"customer_id": "00123", "booked_at": "2024-07-01", "amount": "500", column: "1" * (limit + 1)}

    messages = refusal(bookings_import, one_row(row))

    assert messages == [f"line 2: {column} is {limit + 1} characters long; at most {limit} are allowed"]


@pytest.mark.django_db
def test_errors_after_quoted_line_breaks_name_the_line_the_record_starts_on(rahima):
    # given: line 2 starts a record that runs to line 5; line 6 is blank; the bad rows start on lines 7 and 9
    source = (
        b"customer_id,name,area,phone\n"
        b'0042,"Rahima\nAkter","House 4\n\nRoad 2",01712345678\n'
        b"\n"
        b'0043,"Karim\nUddin",Agrabad,12345\n'
        b"0044,Zed,Mirpur,999\n"
    )

    # when
    messages = refusal(customers_import, source)

    # then
    assert messages == [
        "line 7: phone '12345' is not a Bangladeshi mobile number (+8801XXXXXXXXX)",
        "line 9: phone '999' is not a Bangladeshi mobile number (+8801XXXXXXXXX)",
    ]


@pytest.mark.django_db
def test_a_row_with_too_many_values_after_a_quoted_line_break_names_its_own_line(rahima):
    source = (
        b'customer_id,booked_at,amount,service\n00123,2024-07-01,500,"AC\r\nrepair"\r\n00123,2024-07-02,1,500,ac\r\n'
    )

    messages = refusal(bookings_import, source)

    assert messages == [
        "line 4: 5 values where the header has 4 (customer_id, booked_at, amount, service): "
        "a value that holds a comma must be in double quotes"
    ]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            b'customer_id,name\n1,Rahima\n2,"Karim\n3,Zed\n',
            'line 3: a quoted value that starts in this row never ends: a closing " is missing',
        ),
        (
            b'customer_id,name\n1,"Rahima "Ra" Akter"\n',
            'line 2: text after a closing quote: a " inside a quoted value must be written twice ("")',
        ),
    ],
)
@pytest.mark.django_db
def test_broken_quoting_is_refused_with_the_line_the_record_starts_on(rahima, source, expected):
    assert refusal(customers_import, source) == [expected]


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
@pytest.mark.django_db
def test_blank_lines_count_as_lines_whatever_ends_them(rahima, newline):
    source = newline.join(["customer_id,phone", "", "0042,01712345678", "   ", "", "0043,12345", ""]).encode()

    messages = refusal(customers_import, source)

    assert messages == ["line 6: phone '12345' is not a Bangladeshi mobile number (+8801XXXXXXXXX)"]
