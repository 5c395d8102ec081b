import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from customers.tests.factories import BookingFactory, CustomerFactory, ProviderFactory

LIST_URLS = ["/api/customers", "/api/bookings", "/api/services", "/api/providers"]


@pytest.mark.parametrize("url", [*LIST_URLS, "/api/customers/C1"])
@pytest.mark.django_db
def test_anonymous_requests_are_refused_with_the_error_body(api_client, url):
    response = api_client.get(url)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert response.json()["error"]["message"] == "Authentication credentials were not provided."
    assert response["WWW-Authenticate"].startswith("Token")


@pytest.mark.django_db
def test_mobile_app_logs_in_for_a_token_and_uses_it(customer_user):
    # given
    client = APIClient()
    login = client.post("/api/auth/token/", {"username": customer_user.username, "password": "pass12345"})
    token = login.json()["token"]

    # when
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = client.get("/api/customers")

    # then
    assert token == Token.objects.get(user=customer_user).key
    assert [row["id"] for row in response.json()["results"]] == [customer_user.customer.external_id]


@pytest.mark.django_db
def test_wrong_password_gets_a_400_with_reason(customer_user):
    response = APIClient().post("/api/auth/token/", {"username": customer_user.username, "password": "nope"})

    assert response.status_code == 400
    assert response.json()["error"]["message"] == "Unable to log in with provided credentials."


@pytest.mark.django_db
def test_staff_see_every_customer_and_booking(staff_client):
    # given
    bookings = BookingFactory.create_batch(3)

    # when
    customers = staff_client.get("/api/customers").json()
    listed = staff_client.get("/api/bookings").json()

    # then
    assert customers["count"] == 3
    assert sorted(row["id"] for row in listed["results"]) == sorted(b.external_id for b in bookings)


@pytest.mark.django_db
def test_a_customer_sees_only_their_own_rows(customer_client, customer_user):
    # given
    own = BookingFactory.create_batch(2, customer=customer_user.customer)
    other = BookingFactory()

    # when
    customers = customer_client.get("/api/customers").json()
    bookings = customer_client.get("/api/bookings").json()
    other_profile = customer_client.get(f"/api/customers/{other.customer.external_id}")
    filtered_to_other = customer_client.get(f"/api/bookings?customer={other.customer.external_id}").json()

    # then
    assert [row["id"] for row in customers["results"]] == [customer_user.customer.external_id]
    assert sorted(row["id"] for row in bookings["results"]) == sorted(b.external_id for b in own)
    assert other_profile.status_code == 404
    assert other_profile.json()["error"]["code"] == "not_found"
    assert filtered_to_other["results"] == []


@pytest.mark.django_db
def test_a_user_without_a_customer_record_sees_nothing(api_client):
    from customers.tests.factories import UserFactory

    BookingFactory()
    api_client.force_authenticate(UserFactory())

    assert api_client.get("/api/bookings").json()["results"] == []
    assert api_client.get("/api/customers").json()["count"] == 0


@pytest.mark.django_db
def test_customer_detail_by_external_id_keeps_leading_zeros(staff_client):
    CustomerFactory(external_id="007", name="Rahima Akter")
    CustomerFactory(external_id="7", name="Someone Else")

    response = staff_client.get("/api/customers/007")

    assert response.status_code == 200
    assert response.json()["name"] == "Rahima Akter"


@pytest.mark.django_db
def test_bookings_are_filtered_and_cursor_paginated(staff_client):
    # given
    customer = CustomerFactory()
    BookingFactory.create_batch(3, customer=customer, status="completed")
    BookingFactory(customer=customer, status="cancelled", rating=None)
    BookingFactory(status="completed")

    # when
    first = staff_client.get(f"/api/bookings?customer={customer.external_id}&status=completed&page_size=2").json()
    second = staff_client.get(first["next"]).json()

    # then
    assert len(first["results"]) == 2
    assert len(second["results"]) == 1
    assert second["next"] is None
    assert {row["status"] for row in first["results"] + second["results"]} == {"completed"}
    assert "count" not in first  # no COUNT(*) over the whole booking history


@pytest.mark.django_db
def test_a_bad_filter_value_is_a_400_with_the_reason(staff_client):
    response = staff_client.get("/api/bookings?status=finished")

    assert response.status_code == 400
    body = response.json()["error"]
    assert body["code"] == "invalid"
    assert body["message"].startswith("status: Select a valid choice.")
    assert "status" in body["details"]


@pytest.mark.django_db
def test_services_come_from_the_catalogue_and_filter_by_category(customer_client):
    response = customer_client.get("/api/services?category=ac").json()

    assert [row["slug"] for row in response["results"]] == [
        "ac-basic-servicing",
        "ac-gas-refill",
        "ac-installation",
        "ac-master-servicing",
    ]
    assert response["results"][0]["category_name"] == "AC Repair & Servicing"


@pytest.mark.django_db
def test_providers_filter_and_hide_phone_numbers(customer_client):
    ProviderFactory(external_id="P1", rating="4.9", is_premium=True)
    ProviderFactory(external_id="P2", rating="3.1")

    response = customer_client.get("/api/providers?min_rating=4.5").json()

    assert [row["id"] for row in response["results"]] == ["P1"]
    assert "phone" not in response["results"][0]


@pytest.mark.django_db
def test_list_queries_do_not_grow_with_rows(staff_client, django_assert_max_num_queries):
    BookingFactory.create_batch(20)

    with django_assert_max_num_queries(4):
        staff_client.get("/api/bookings")
    with django_assert_max_num_queries(4):
        staff_client.get("/api/customers")


@pytest.mark.django_db
def test_openapi_schema_and_docs_are_served(staff_client):
    schema = staff_client.get("/api/schema/?format=json")
    docs = staff_client.get("/api/docs/")

    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert {"/api/customers", "/api/bookings", "/api/services", "/api/providers"} <= set(paths)
    assert docs.status_code == 200


def test_the_openapi_schema_generates_without_warnings(tmp_path):
    """Every nested Input/OutputSerializer gets its own component; a collision would corrupt generated clients."""
    from django.core.management import call_command

    out = tmp_path / "schema.yml"

    call_command("spectacular", "--fail-on-warn", "--file", str(out))

    schema = out.read_text()
    assert "CustomerListOutput:" in schema
    assert "BookingListOutput:" in schema
