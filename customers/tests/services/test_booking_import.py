import datetime as dt
from decimal import Decimal

import pytest

from customers.models import Booking, Complaint, Customer, Provider, Service
from customers.services.booking_import import bookings_import
from customers.services.csv_reading import ImportRejected
from customers.tests.factories import CustomerFactory

FULL_HEADER = (
    "booking_id,customer_id,booked_at,amount,service,status,rating,provider_id,discount,payment_method,complained"
)


def csv(*rows: str, header: str = FULL_HEADER) -> bytes:
    return (header + "\n" + "\n".join(rows) + "\n").encode()


@pytest.fixture
def rahima(db):
    return CustomerFactory(external_id="00123", joined_at=dt.datetime(2024, 6, 1, tzinfo=dt.UTC))


@pytest.mark.django_db
def test_import_creates_bookings_with_all_columns(rahima):
    # given
    source = csv(
        "B1,00123,2024-03-01T10:00:00,1200,ac-basic-servicing,completed,5,P1,100,bKash,no",
        'B2,00123,2024-05-01T10:00:00+00:00,"1,500.50",AC Gas Refill,no-show,,P1,0,Nagad,yes',
    )

    # when
    result = bookings_import(source=source)

    # then
    assert (result.created, result.updated, result.unchanged, result.complaints_created) == (2, 0, 0, 1)
    first = Booking.objects.get(external_id="B1")
    assert first.customer == rahima
    assert first.service.slug == "ac-basic-servicing"
    assert first.booked_at == dt.datetime(2024, 3, 1, 4, 0, tzinfo=dt.UTC)  # 10:00 in Dhaka
    assert (first.amount, first.discount, first.rating, first.payment_method) == (
        Decimal("1200.00"),
        Decimal("100.00"),
        5,
        "bkash",
    )
    assert first.completed_at == first.booked_at
    second = Booking.objects.get(external_id="B2")
    assert (second.status, second.amount, second.rating, second.completed_at) == (
        "no_show",
        Decimal("1500.50"),
        None,
        None,
    )
    assert second.service.slug == "ac-gas-refill"
    assert Complaint.objects.get().booking == second
    assert Provider.objects.get(external_id="P1").category.slug == "ac"
    rahima.refresh_from_db()
    assert rahima.joined_at == first.booked_at  # joined no later than the first booking


@pytest.mark.django_db
def test_optional_columns_get_defaults(rahima):
    result = bookings_import(source=b"customer_id,booked_at,amount\n00123,2024-03-01,800\n")

    booking = Booking.objects.get()
    assert result.created == 1
    assert (booking.service.slug, booking.status, booking.payment_method, booking.discount) == (
        "other",
        "completed",
        "cash",
        Decimal("0.00"),
    )
    assert booking.external_id.startswith("nk-")


@pytest.mark.django_db
def test_unknown_service_is_added_to_the_catalogue(rahima):
    result = bookings_import(source=b"customer_id,booked_at,amount,service\n00123,2024-03-01,800,Car Wash\n")

    assert result.new_services == ["Car Wash"]
    assert Service.objects.get(slug="car-wash").category.slug == "other"


@pytest.mark.django_db
def test_reimport_is_idempotent_with_and_without_booking_ids(rahima):
    # given
    with_ids = csv("B1,00123,2024-03-01,1200,,,,,,,", "B2,00123,2024-04-01,900,,,,,,,")
    without_ids = b"customer_id,booked_at,amount\n00123,2024-05-01,700\n00123,2024-06-01,650\n"
    bookings_import(source=with_ids)
    bookings_import(source=without_ids)

    # when
    again_with = bookings_import(source=with_ids)
    again_without = bookings_import(source=without_ids)

    # then
    assert (again_with.created, again_with.updated, again_with.unchanged) == (0, 0, 2)
    assert (again_without.created, again_without.updated, again_without.unchanged) == (0, 0, 2)
    assert Booking.objects.count() == 4


@pytest.mark.django_db
def test_reimport_keeps_booking_ids_with_leading_zeros_distinct(rahima):
    source = csv("000123,00123,2024-03-01,1200,,,,,,,", "123,00123,2024-04-01,900,,,,,,,")
    bookings_import(source=source)

    again = bookings_import(source=source)

    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert set(Booking.objects.values_list("external_id", flat=True)) == {"000123", "123"}


@pytest.mark.django_db
def test_reimport_with_a_changed_status_updates_the_booking(rahima):
    bookings_import(source=csv("B1,00123,2024-03-01,1200,,completed,4,,,,"))

    result = bookings_import(source=csv("B1,00123,2024-03-01,1200,,cancelled,,,,,"))

    booking = Booking.objects.get()
    assert (result.created, result.updated) == (0, 1)
    assert (booking.status, booking.rating, booking.completed_at) == ("cancelled", None, None)


@pytest.mark.django_db
def test_the_same_row_twice_in_a_file_is_imported_once(rahima):
    result = bookings_import(source=b"customer_id,booked_at,amount\n00123,2024-05-01,700\n00123,2024-05-01,700\n")

    assert (result.created, result.duplicate_rows) == (1, 1)
    assert Booking.objects.count() == 1


@pytest.mark.django_db
def test_create_customers_flag_creates_them_joined_at_first_booking():
    source = b"customer_id,booked_at,amount\n0042,2024-05-01,700\n0042,2024-03-01,900\n"

    result = bookings_import(source=source, create_customers=True)

    customer = Customer.objects.get(external_id="0042")
    assert (result.created, result.customers_created) == (2, 1)
    assert customer.joined_at == dt.datetime(2024, 2, 29, 18, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (["B1,00123,yesterday,100,,,,,,,"], ["line 2: booked_at 'yesterday' is not an ISO date"]),
        (["B1,00123,2024-03-01,-5,,,,,,,"], ["line 2: amount -5 is negative"]),
        (["B1,00123,2024-03-01,abc,,,,,,,"], ["line 2: amount 'abc' is not a number"]),
        (["B1,00123,2024-03-01,100,,,,,150,,"], ["line 2: discount 150 is larger than the amount 100"]),
        (["B1,00123,2024-03-01,100,,finished,,,,,"], ["line 2: unknown status 'finished'"]),
        (["B1,00123,2024-03-01,100,,,6,,,,"], ["line 2: rating '6' must be a whole number from 1 to 5"]),
        (["B1,00123,2024-03-01,100,,,4.5,,,,"], ["line 2: rating '4.5' must be a whole number from 1 to 5"]),
        (["B1,00123,2024-03-01,100,,,,,,paypal,"], ["line 2: unknown payment_method 'paypal'"]),
        (["B1,00123,2024-03-01,100,,,,,,,maybe"], ["line 2: complained 'maybe' must be yes/no"]),
        (["B1,nobody,2024-03-01,100,,,,,,,"], ["line 2: unknown customer_id 'nobody'"]),
        (
            ["B1,00123,2024-03-01,100,,,,,,,", "B1,00123,2024-03-01,200,,,,,,,"],
            ["line 3: booking_id 'B1' appears again with different values (first on line 2)"],
        ),
        (
            ["B1,00123,2024-03-01,100,,,,,,,", "B2,00123,2024-13-01,100,,,,,,,", "B3,00123,2024-03-01,-1,,,,,,,"],
            ["line 3: booked_at '2024-13-01'", "line 4: amount -1 is negative"],
        ),
    ],
)
@pytest.mark.django_db
def test_bad_rows_reject_the_whole_file(rahima, rows, expected):
    with pytest.raises(ImportRejected) as rejected:
        bookings_import(source=csv(*rows))

    messages = [str(error) for error in rejected.value.errors]
    assert len(messages) == len(expected), messages
    for message, start in zip(messages, expected, strict=True):
        assert message.startswith(start)
    assert Booking.objects.count() == 0
    assert Provider.objects.count() == 0


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (b"", "line 1: the file is empty"),
        (b"customer_id,booked_at\n1,2024-01-01\n", "line 1: missing required column(s): amount"),
        (b"customer_id,booked_at,amount,tip\n1,2024-01-01,5,1\n", "line 1: unknown column(s) tip"),
        (b"customer_id,booked_at,amount\n00123,2024-01-01,5\n\xff\xfe,x,y\n", "line 3: the file is not UTF-8 text"),
    ],
)
@pytest.mark.django_db
def test_malformed_files_are_rejected(rahima, source, expected):
    with pytest.raises(ImportRejected) as rejected:
        bookings_import(source=source)

    assert str(rejected.value.errors[0]).startswith(expected)
    assert Booking.objects.count() == 0


@pytest.mark.django_db
def test_nothing_is_written_when_a_late_step_fails(rahima, monkeypatch):
    """A failure after rows were inserted (here: the complaints step) rolls the whole import back."""
    from customers.services import booking_import

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(booking_import, "_insert_complaints", explode)

    with pytest.raises(RuntimeError):
        bookings_import(source=csv("B1,00123,2024-03-01,1200,,,,P9,,,yes"), create_customers=True)

    assert Booking.objects.count() == 0
    assert Provider.objects.count() == 0


@pytest.mark.django_db
def test_new_services_named_in_bengali_or_at_length_each_get_a_service_of_their_own(rahima):
    # given: a Bengali name has no ASCII slug; two long names share their first 50 slug characters
    long_name = "Deep cleaning of a three bedroom flat with balcony and kitchen"
    names = ["এসি সার্ভিসিং", "পানির ট্যাংক পরিষ্কার", long_name + " (weekday)", long_name + " (weekend)"]
    rows = [f"B{number},00123,2024-03-0{number + 1},800,{name},,,,,," for number, name in enumerate(names)]

    # when
    result = bookings_import(source=csv(*rows))

    # then
    assert sorted(result.new_services) == sorted(names)
    services = {booking.service.name: booking.service.slug for booking in Booking.objects.select_related("service")}
    assert sorted(services) == sorted(names)
    assert len(set(services.values())) == 4
    assert all(len(slug) <= 50 for slug in services.values())
    assert services["এসি সার্ভিসিং"].startswith("service-")
    assert services[long_name + " (weekday)"].startswith("deep-cleaning-of-a-three-bedroom-flat-")
