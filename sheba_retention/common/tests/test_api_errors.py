"""Every API error answers with the one JSON error body, whoever produces it: a view, DRF, the router or Django."""

import pytest
from django.test import Client
from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from customers.tests.factories import CustomerFactory
from interventions.tests.factories import SupportCallFactory

pytestmark = pytest.mark.django_db


def error_of(response) -> dict:
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    return body["error"]


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("post", "/api/interventions/calls/x/claim"),  # <int:call_id> refuses "x": no route matches
        ("get", "/api/nonexistent"),
        ("get", "/api/customers/C1/nothing-here"),
        ("delete", "/api/nonexistent/"),
        ("get", "/api"),
    ],
)
def test_a_url_no_route_matches_is_a_json_404(retention_user, method, url):
    # given
    client = Client()
    client.force_login(retention_user)

    # when
    response = getattr(client, method)(url)

    # then
    assert response.status_code == 404
    assert error_of(response) == {"code": "not_found", "message": "Not found.", "details": {}}


def test_with_debug_on_an_api_url_no_route_matches_is_still_the_json_404(retention_user, settings):
    settings.DEBUG = True  # `make demo`: Django would show its technical 404 page
    client = Client()
    client.force_login(retention_user)

    api = client.get("/api/interventions/calls/x/claim")
    admin = client.get("/admin/nothing-here/")

    assert api.status_code == 404
    assert error_of(api)["code"] == "not_found"
    assert admin.status_code == 404
    assert admin["Content-Type"].startswith("text/html")


def test_a_method_an_endpoint_does_not_have_is_a_json_405_naming_the_allowed_ones(staff_client):
    response = staff_client.delete("/api/customers")

    assert response.status_code == 405
    assert error_of(response) == {
        "code": "method_not_allowed",
        "message": 'Method "DELETE" not allowed.',
        "details": {},
    }
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"


def test_a_body_in_a_media_type_the_endpoint_does_not_read_is_a_json_415(retention_client):
    call = SupportCallFactory(intervention__prediction=None)

    response = retention_client.post(
        f"/api/interventions/calls/{call.pk}/log", "<reached>true</reached>", content_type="application/xml"
    )

    assert response.status_code == 415
    assert error_of(response)["code"] == "unsupported_media_type"


def test_a_body_that_is_not_json_is_a_json_400(retention_client):
    response = retention_client.post("/api/interventions/approve", "{not json", content_type="application/json")

    assert response.status_code == 400
    assert error_of(response)["code"] == "parse_error"


class _Spent(BaseThrottle):
    """A throttle whose allowance is used up, for 30 more seconds."""

    def allow_request(self, request, view) -> bool:
        return False

    def wait(self) -> float:
        return 30.0


class SpentApi(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [_Spent]

    def get(self, request):
        raise AssertionError("a throttled request never reaches the view")


urlpatterns = [path("api/spent", SpentApi.as_view())]


@pytest.mark.urls(__name__)
def test_too_many_requests_is_a_json_429_with_retry_after():
    response = Client().get("/api/spent")

    assert response.status_code == 429
    assert error_of(response) == {
        "code": "throttled",
        "message": "Request was throttled. Expected available in 30 seconds.",
        "details": {},
    }
    assert response.headers["Retry-After"] == "30"


def test_an_uncaught_exception_is_a_json_500_that_shows_no_traceback(staff_user, monkeypatch, caplog):
    # given
    def broken(**kwargs):
        raise RuntimeError("secret detail of the failure")

    monkeypatch.setattr("predictions.apis.dashboard_summary", broken)
    client = Client(raise_request_exception=False)
    client.force_login(staff_user)

    # when
    response = client.get("/api/predictions/dashboard")

    # then
    assert response.status_code == 500
    assert error_of(response) == {"code": "server_error", "message": "A server error occurred.", "details": {}}
    assert b"secret detail" not in response.content
    assert "secret detail of the failure" in caplog.text  # logged for the operators


def test_a_request_django_refuses_before_any_view_is_a_json_400():
    response = Client().get("/api/customers", headers={"host": "evil.example"})

    assert response.status_code == 400
    assert error_of(response) == {"code": "bad_request", "message": "Bad request.", "details": {}}


def test_pages_outside_the_api_keep_their_html_errors(staff_user, monkeypatch):
    # given
    client = Client(raise_request_exception=False)
    client.force_login(staff_user)

    # when
    not_found = client.get("/admin/no-such-page/")
    elsewhere = client.get("/no-such-page")
    refused_host = Client().get("/admin/", headers={"host": "evil.example"})

    # then
    assert not_found.status_code == 404
    assert not_found.headers["Content-Type"].startswith("text/html")
    assert elsewhere.status_code == 404
    assert elsewhere.headers["Content-Type"].startswith("text/html")
    assert refused_host.status_code == 400
    assert refused_host.headers["Content-Type"].startswith("text/html")


def test_an_api_path_that_only_starts_like_the_api_is_not_the_api():
    response = Client().get("/apiary")

    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("text/html")


def test_a_view_refusal_given_as_a_list_of_reasons_keeps_details_an_object(rf):
    from rest_framework.exceptions import ValidationError

    from sheba_retention.common.api.errors import exception_handler

    response = exception_handler(ValidationError("The whole request is wrong."), {})

    assert response is not None
    assert response.data == {
        "error": {
            "code": "invalid",
            "message": "The whole request is wrong.",
            "details": {"non_field_errors": ["The whole request is wrong."]},
        }
    }


def test_an_object_the_caller_may_not_see_is_the_json_404_of_a_missing_one(customer_client):
    other = CustomerFactory()

    response = customer_client.get(f"/api/customers/{other.external_id}")

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"
