"""Request brakes: logins per IP and per username, the API per user and per anonymous IP, callbacks per IP, and the
login lockout shared by the admin and the token endpoint. Each refusal is a 429 with Retry-After; the API's carries
the error body. The test settings switch all of them off; these tests switch them on with small rates."""

import json

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework.views import APIView

from conftest import client_of
from customers.tests.factories import StaffUserFactory, UserFactory
from sheba_retention.settings import base

pytestmark = pytest.mark.django_db
OPENAPI_JSON = "application/vnd.oai.openapi+json"

RATES = {
    **base.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
    "anon": "2/min",
    "user": "3/min",
    "login_ip": "6/min",
    "login_username": "4/hour",
    "payment_callback": "2/min",
}


@pytest.fixture
def throttled(settings, monkeypatch):
    """The production throttle classes with small rates; every view without its own classes uses them."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": RATES}
    # APIView read DEFAULT_THROTTLE_CLASSES (empty in the test settings) when it was imported.
    monkeypatch.setattr(APIView, "throttle_classes", base_classes())
    cache.clear()
    yield
    cache.clear()


def base_classes():
    from django.utils.module_loading import import_string

    return [import_string(path) for path in base.REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"]]


@pytest.fixture
def lockout(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3


def from_address(address: str) -> APIClient:
    return APIClient(REMOTE_ADDR=address)


def login(client, username: str, password: str):
    return client.post("/api/auth/token/", {"username": username, "password": password}, format="json")


def assert_throttled(response, *, at_most: int) -> None:
    assert response.status_code == 429, response.content
    body = json.loads(response.content)
    assert body["error"]["code"] == "throttled"
    assert body["error"]["message"].startswith(("Request was throttled.", "Too many failed logins"))
    assert 0 < int(response["Retry-After"]) <= at_most


def test_wrong_passwords_from_one_address_are_throttled_after_the_ip_rate(throttled):
    # given
    client = from_address("203.0.113.7")

    # when: 6 attempts (on 6 usernames, so the per-username brake is not what stops them), then a 7th
    answers = [login(client, f"guess{n}", "wrong").status_code for n in range(6)]
    seventh = login(client, "guess7", "wrong")

    # then
    assert answers == [400] * 6
    assert_throttled(seventh, at_most=60)
    assert login(from_address("203.0.113.8"), "guess8", "wrong").status_code == 400  # another address is not


def test_failed_logins_on_one_username_are_throttled_from_any_address(throttled):
    # given
    user = UserFactory(username="rahima")
    user.set_password("right-password")
    user.save()

    # when: 4 failures, each from another address, then the right password from a fifth
    answers = [login(from_address(f"198.51.100.{n}"), "Rahima", "wrong").status_code for n in range(4)]
    fifth = login(from_address("198.51.100.99"), "rahima", "right-password")

    # then
    assert answers == [400] * 4
    assert_throttled(fifth, at_most=3600)


def test_successful_logins_do_not_use_up_the_username_rate(throttled):
    user = UserFactory(username="karim")
    user.set_password("right-password")
    user.save()

    answers = [login(from_address(f"192.0.2.{n}"), "karim", "right-password").status_code for n in range(5)]

    assert answers == [200] * 5


def test_the_api_is_throttled_per_user(throttled):
    # given
    staff, other = client_of(StaffUserFactory()), client_of(StaffUserFactory())

    # when
    answers = [staff.get("/api/services").status_code for _ in range(3)]
    fourth = staff.get("/api/services")

    # then
    assert answers == [200] * 3
    assert_throttled(fourth, at_most=60)
    assert other.get("/api/services").status_code == 200


def test_anonymous_requests_are_throttled_per_address(throttled):
    # the schema is one of the few endpoints open to anonymous clients (the rest answer 401 before any throttle)
    client = from_address("203.0.113.20")

    answers = [client.get("/api/schema/", HTTP_ACCEPT=OPENAPI_JSON).status_code for _ in range(2)]
    third = client.get("/api/schema/", HTTP_ACCEPT=OPENAPI_JSON)

    assert answers == [200] * 2
    assert_throttled(third, at_most=60)


def test_gateway_callbacks_are_throttled_per_address(throttled):
    client = from_address("203.0.113.30")

    answers = [client.post("/api/payments/callback/bkash", {}, format="json").status_code for _ in range(2)]
    third = client.post("/api/payments/callback/bkash", {}, format="json")

    assert answers == [400] * 2  # unsigned
    assert_throttled(third, at_most=60)


def test_repeated_failures_lock_the_admin_login_for_that_username_and_address(lockout, client):
    # given
    StaffUserFactory(username="admin-rahim", is_superuser=True).set_password("right-password")

    # when: three wrong passwords, then the right one
    for _ in range(3):
        client.post("/admin/login/", {"username": "admin-rahim", "password": "wrong"}, REMOTE_ADDR="203.0.113.40")
    locked = client.post(
        "/admin/login/", {"username": "admin-rahim", "password": "right-password"}, REMOTE_ADDR="203.0.113.40"
    )

    # then
    assert locked.status_code == 429
    assert locked["Retry-After"] == "900"
    assert "Too many failed logins" in locked.content.decode()
    assert "15 minutes" in locked.content.decode()


def test_a_locked_out_username_gets_a_429_from_the_token_endpoint_too(lockout, throttled, client):
    # given three failures on the admin's form
    user = UserFactory(username="rahima")
    user.set_password("right-password")
    user.save()
    for _ in range(3):
        client.post("/admin/login/", {"username": "rahima", "password": "wrong"}, REMOTE_ADDR="203.0.113.50")

    # when the right password comes to the API from the same address
    response = login(from_address("203.0.113.50"), "rahima", "right-password")

    # then
    assert_throttled(response, at_most=900)
    assert response.json()["error"]["message"].startswith("Too many failed logins for this account")
    assert login(from_address("203.0.113.51"), "rahima", "right-password").status_code == 200  # other address


def test_the_lockout_page_speaks_bengali_with_bengali_digits(lockout, client):
    StaffUserFactory(username="admin-karim", is_superuser=True)
    for _ in range(4):
        locked = client.post(
            "/admin/login/",
            {"username": "admin-karim", "password": "wrong"},
            REMOTE_ADDR="203.0.113.60",
            HTTP_ACCEPT_LANGUAGE="bn",
        )

    assert locked.status_code == 429
    assert "১৫ মিনিট পরে আবার চেষ্টা করুন" in locked.content.decode()
