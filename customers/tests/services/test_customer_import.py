import datetime as dt

import pytest

from customers.models import Customer
from customers.services.csv_reading import ImportRejected
from customers.services.customer_import import customers_import
from customers.tests.factories import CustomerFactory

HEADER = "customer_id,name,phone,email,area,city,gender,language,joined_at\n"


def csv(*rows: str, header: str = HEADER) -> bytes:
    return (header + "\n".join(rows) + "\n").encode()


@pytest.mark.django_db
def test_import_creates_customers_with_normalised_values():
    # given
    source = csv(
        "00123,Rahima Akter,01712345678,Rahima@Example.com,Mirpur,Dhaka,F,bn,2024-01-05",
        "00124,Karim Uddin,+8801812345678,,Agrabad,Chittagong,male,English,2024-02-01T10:00:00+06:00",
    )

    # when
    result = customers_import(source=source)

    # then
    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    rahima = Customer.objects.get(external_id="00123")
    assert rahima.phone == "+8801712345678"
    assert rahima.email == "rahima@example.com"
    assert (rahima.city, rahima.area, rahima.gender, rahima.language) == ("dhaka", "Mirpur", "female", "bn")
    assert rahima.joined_at == dt.datetime(2024, 1, 4, 18, 0, tzinfo=dt.UTC)  # midnight in Dhaka
    karim = Customer.objects.get(external_id="00124")
    assert (karim.city, karim.language) == ("chattogram", "en")


@pytest.mark.django_db
def test_only_customer_id_is_required_and_leading_zeros_are_kept():
    result = customers_import(source=b"customer_id\n0007\n007\n")

    assert result.created == 2
    assert set(Customer.objects.values_list("external_id", flat=True)) == {"0007", "007"}
    assert Customer.objects.get(external_id="0007").language == "bn"


@pytest.mark.django_db
def test_reimport_updates_changed_customers_and_creates_no_duplicates():
    # given
    customers_import(source=csv("00123,Rahima Akter,01712345678,,Mirpur,Dhaka,F,bn,2024-01-05"))

    # when
    same = customers_import(source=csv("00123,Rahima Akter,01712345678,,Mirpur,Dhaka,F,bn,2024-01-05"))
    moved = customers_import(source=csv("00123,Rahima Akter,01712345678,,Gulshan,Dhaka,F,bn,2024-01-05"))

    # then
    assert (same.created, same.updated, same.unchanged) == (0, 0, 1)
    assert (moved.created, moved.updated) == (0, 1)
    assert Customer.objects.count() == 1
    assert Customer.objects.get().area == "Gulshan"


@pytest.mark.django_db
def test_blank_values_leave_existing_data_alone():
    CustomerFactory(external_id="00123", name="Rahima Akter", area="Mirpur")

    customers_import(source=b"customer_id,name,area\n00123,,\n")

    customer = Customer.objects.get(external_id="00123")
    assert (customer.name, customer.area) == ("Rahima Akter", "Mirpur")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (b"", ["line 1: the file is empty"]),
        (b"customer_id\n", ["line 1: the file has a header but no rows"]),
        (b"customer_id,favourite_colour\n1,blue\n", ["line 1: unknown column(s) favourite_colour"]),
        (b"name\nRahima\n", ["line 1: missing required column(s): customer_id"]),
        (b"customer_id,name\n1,R\xe9hima\n", ["line 2: the file is not UTF-8 text"]),
        (b"customer_id,phone\n1,12345\n2,01712345678\n", ["line 2: phone '12345' is not a Bangladeshi mobile"]),
        (b"customer_id,email\n1,not-an-email\n", ["line 2: email 'not-an-email' is not valid"]),
        (b"customer_id,city\n1,Paris\n", ["line 2: unknown city 'Paris'"]),
        (b"customer_id,joined_at\n1,05/01/2024\n", ["line 2: joined_at '05/01/2024' is not an ISO date"]),
        (b"customer_id,joined_at\n1,2999-01-01\n", ["line 2: joined_at '2999-01-01' is in the future"]),
        (b"customer_id\n1\n2\n1\n", ["line 4: customer_id '1' repeats"]),
        (b"customer_id,name\n,Rahima\n", ["line 2: customer_id is empty"]),
        (
            b"customer_id,gender,language\n1,x,bn\n2,f,fr\n",
            ["line 2: unknown gender 'x'", "line 3: unknown language 'fr'"],
        ),
    ],
)
@pytest.mark.django_db
def test_bad_file_is_rejected_whole_with_line_numbers(source, expected):
    # given
    CustomerFactory(external_id="existing")

    # when
    with pytest.raises(ImportRejected) as rejected:
        customers_import(source=source)

    # then
    messages = [str(error) for error in rejected.value.errors]
    assert len(messages) == len(expected)
    for message, start in zip(messages, expected, strict=True):
        assert message.startswith(start)
    assert list(Customer.objects.values_list("external_id", flat=True)) == ["existing"]


@pytest.mark.django_db
def test_every_bad_row_is_reported_not_just_the_first():
    source = csv(*[f"{n},,0100,,,,,," for n in range(1, 6)], "6,,01712345678,,,,,,")

    with pytest.raises(ImportRejected) as rejected:
        customers_import(source=source)

    assert [error.line for error in rejected.value.errors] == [2, 3, 4, 5, 6]
    assert Customer.objects.count() == 0


@pytest.mark.django_db
def test_import_takes_off_the_quote_an_export_puts_before_a_formula_and_nothing_else():
    customers_import(source=b"customer_id,name,area\n'=1,'=HYPERLINK(1),'tis\n2,''=x,'-\n3,-2+3,''\n")

    assert list(Customer.objects.order_by("external_id").values_list("external_id", "name", "area")) == [
        ("2", "'=x", "-"),
        ("3", "-2+3", "'"),
        ("=1", "=HYPERLINK(1)", "'tis"),
    ]
