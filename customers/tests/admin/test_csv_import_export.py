import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from customers.models import Booking, Customer
from customers.services.booking_import import bookings_import
from customers.tests.factories import BookingFactory, ComplaintFactory, CustomerFactory, StaffUserFactory

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
