import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from customers.models import Booking, Customer
from customers.services.booking_import import bookings_import
from customers.services.customer_import import customers_import
from customers.tests.factories import BookingFactory, ComplaintFactory, CustomerFactory, StaffUserFactory
from customers.tests.snapshot import marketplace_rows

CUSTOMERS_URL = "/admin/customers/customer/import-csv/"
BOOKINGS_URL = "/admin/customers/booking/import-csv/"


def upload(content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("data.csv", content, content_type="text/csv")


@pytest.mark.django_db
def test_admin_imports_customers_through_the_import_service(admin_client):
    response = admin_client.post(CUSTOMERS_URL, {"file": upload(b"customer_id,name,city\n0042,Rahima,Dhaka\n")})

    assert response.status_code == 200
    assert "1 rows: 1 customers created, 0 updated, 0 unchanged." in response.content.decode()
    assert Customer.objects.get(external_id="0042").city == "dhaka"


@pytest.mark.django_db
def test_admin_lists_every_bad_row_and_imports_nothing(admin_client):
    CustomerFactory(external_id="C1")
    content = b"customer_id,booked_at,amount\nC1,2024-01-01,100\nC1,not-a-date,100\nC1,2024-01-02,-1\n"

    response = admin_client.post(BOOKINGS_URL, {"file": upload(content)})

    page = response.content.decode()
    assert "2 problems, nothing was imported" in page
    assert "booked_at &#x27;not-a-date&#x27; is not an ISO date" in page
    assert "amount -1 is negative" in page
    assert Booking.objects.count() == 0


@pytest.mark.django_db
def test_check_only_counts_but_saves_nothing(admin_client):
    content = b"customer_id,booked_at,amount\nNEW1,2024-01-01,100\n"

    response = admin_client.post(BOOKINGS_URL, {"file": upload(content), "dry_run": "on", "create_customers": "on"})

    assert "Check only, nothing was saved: 1 rows: 1 bookings created" in response.content.decode()
    assert Booking.objects.count() == 0
    assert Customer.objects.count() == 0


@pytest.mark.django_db
def test_staff_without_add_permission_cannot_import(client):
    client.force_login(StaffUserFactory())

    response = client.post(CUSTOMERS_URL, {"file": upload(b"customer_id\n1\n")})

    assert response.status_code == 403
    assert Customer.objects.count() == 0


@pytest.mark.django_db
def test_admin_export_writes_the_import_columns_and_round_trips(admin_client):
    # given
    booking = BookingFactory(external_id="B7", customer__external_id="007")
    ComplaintFactory(customer=booking.customer, booking=booking)

    # when
    response = admin_client.post(
        "/admin/customers/booking/export/",
        {
            "format": "0",
            **{
                f"bookingresource_{name}": "on"
                for name in [
                    "booking_id",
                    "customer_id",
                    "booked_at",
                    "amount",
                    "service",
                    "status",
                    "rating",
                    "provider_id",
                    "discount",
                    "payment_method",
                    "complained",
                ]
            },
        },
    )

    # then
    lines = response.content.decode().splitlines()
    assert lines[0] == (
        "booking_id,customer_id,booked_at,amount,service,status,rating,provider_id,discount,payment_method,complained"
    )
    assert lines[1].startswith("B7,007,")
    assert lines[1].endswith(",yes")
    again = bookings_import(source=response.content)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)


@pytest.mark.parametrize("url", ["/admin/customers/customer/", "/admin/customers/booking/"])
@pytest.mark.django_db
def test_changelists_offer_import_and_export(admin_client, url):
    page = admin_client.get(url).content.decode()

    assert f'href="{url}import-csv/"' in page
    assert f'href="{url}export/' in page


@pytest.mark.parametrize("dry_run", [True, False])
@pytest.mark.django_db
def test_a_row_with_more_values_than_the_header_is_refused_in_check_only_mode_too(admin_client, dry_run):
    # given
    CustomerFactory(external_id="PX019", name="Amina")
    before = marketplace_rows()
    form = {"file": upload(b"customer_id,name\nPX020,Zed,extra,fields\n")} | ({"dry_run": "on"} if dry_run else {})

    # when
    response = admin_client.post(CUSTOMERS_URL, form)

    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert "1 problem, nothing was imported" in page
    assert "<td>2</td><td>4 values where the header has 2 (customer_id, name)" in page
    assert "Check only, nothing was saved" not in page
    assert marketplace_rows() == before


@pytest.mark.parametrize("url", [CUSTOMERS_URL, BOOKINGS_URL])
@pytest.mark.django_db
def test_a_nul_byte_is_a_form_error_not_a_server_error(admin_client, url):
    before = marketplace_rows()

    response = admin_client.post(url, {"file": upload(b"customer_id,booked_at,amount\n1,2024-01-01,5\x00\n")})

    assert response.status_code == 200
    assert "<td>2</td><td>contains a NUL byte (U+0000), which is not text; save the file as CSV UTF-8</td>" in (
        response.content.decode()
    )
    assert marketplace_rows() == before


@pytest.mark.django_db
def test_admin_export_writes_formulas_as_text_and_they_import_back_unchanged(admin_client):
    # given
    CustomerFactory(external_id="=1+1", name='=HYPERLINK("http://evil.example","Click")', area="-2+3", phone="")
    CustomerFactory(external_id="0042", name="@SUM(A1)", area="'=x", phone="")
    before = list(Customer.objects.order_by("external_id").values_list("external_id", "name", "area"))

    # when
    response = admin_client.post(
        "/admin/customers/customer/export/",
        {"format": "0", **{f"customerresource_{name}": "on" for name in ["customer_id", "name", "area"]}},
    )
    Customer.objects.all().delete()
    customers_import(source=response.content)

    # then
    assert response.content.decode().splitlines() == [
        "customer_id,name,area",
        "0042,'@SUM(A1),''=x",
        '\'=1+1,"\'=HYPERLINK(""http://evil.example"",""Click"")",\'-2+3',
    ]
    assert list(Customer.objects.order_by("external_id").values_list("external_id", "name", "area")) == before


@pytest.mark.django_db
def test_admin_export_offers_csv_only(admin_client):
    page = admin_client.get("/admin/customers/customer/export/").content.decode()

    assert '<input type="hidden" name="format" value="0" id="id_format">' in page  # one format: nothing to choose
