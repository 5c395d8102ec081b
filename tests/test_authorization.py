"""Who may call what: every API endpoint and every admin write, for every role, with the exact status expected.

The endpoints are read from the URL conf, so a new one cannot be left out: `test_every_endpoint_has_expectations`
fails until its row is added to EXPECTED. Refused writes change nothing (`test_refused_writes_change_nothing`).
"""

from unittest import mock

import pytest
from django.contrib import admin
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from conftest import client_of
from interventions.models import Intervention, InterventionEvent, SupportCall
from interventions.tests.factories import InterventionEventFactory, SupportCallFactory
from payments.models import DiscountCode, Redemption

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "customer", "other_customer", "analyst", "retention", "model_admin", "superuser"]
STAFF = ["analyst", "retention", "model_admin", "superuser"]


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


def signed_in(status: int, *, anonymous: int = 401) -> dict[str, int]:
    return {**everyone(status), "anonymous": anonymous}


def own_customer(own: int, staff: int) -> dict[str, int]:
    """An endpoint over the customer in the URL (the requesting customer's own): another customer's is a 404."""
    return {"anonymous": 401, "customer": own, "other_customer": 404, **dict.fromkeys(STAFF, staff)}


def staff_only(status: int) -> dict[str, int]:
    return {"anonymous": 401, "customer": 403, "other_customer": 403, **dict.fromkeys(STAFF, status)}


def allowed_to(roles: set[str], status: int) -> dict[str, int]:
    """Staff in `roles` (and the superuser) get `status`; other staff and customers 403."""
    return {"anonymous": 401, **{role: status if role in roles | {"superuser"} else 403 for role in ROLES[1:]}}


# (method, route as in the URL conf) -> role -> status. A predict request is 503 for whoever may ask: these tests
# train no model, so 503 means the request passed the access check.
EXPECTED: dict[tuple[str, str], dict[str, int]] = {
    ("POST", "api/auth/token/"): everyone(400),  # no credentials in the body
    ("GET", "api/schema/"): everyone(200),
    ("GET", "api/docs/"): everyone(200),
    ("GET", "api/customers"): signed_in(200),
    ("GET", "api/customers/<str:customer_id>"): own_customer(200, 200),
    ("GET", "api/customers/<str:customer_id>/loyalty"): own_customer(200, 200),
    ("GET", "api/customers/<str:customer_id>/offers"): own_customer(200, 200),
    ("POST", "api/customers/<str:customer_id>/redeem"): {
        **own_customer(201, 403),
        "retention": 201,
        "superuser": 201,
    },
    ("GET", "api/bookings"): signed_in(200),
    ("GET", "api/services"): signed_in(200),
    ("GET", "api/providers"): signed_in(200),
    ("POST", "api/predict/churn"): {**own_customer(503, 503)},
    ("GET", "api/predictions/at-risk"): staff_only(200),
    ("GET", "api/predictions/dashboard"): staff_only(200),
    ("POST", "api/admin/retrain"): allowed_to({"model_admin"}, 202),
    ("GET", "api/admin/model-performance"): staff_only(200),
    ("POST", "api/payments/callback/<str:gateway>"): everyone(400),  # unsigned: the signature is the login
    ("GET", "api/interventions/pending"): staff_only(200),
    ("POST", "api/interventions/approve"): allowed_to({"retention"}, 200),
    ("POST", "api/interventions/reject"): allowed_to({"retention"}, 200),
    ("GET", "api/interventions/history"): signed_in(200),
    ("GET", "api/interventions/uplift"): staff_only(200),
    ("GET", "api/interventions/calls"): staff_only(200),
    ("POST", "api/interventions/calls/<int:call_id>/claim"): allowed_to({"retention"}, 200),
    ("POST", "api/interventions/calls/<int:call_id>/log"): allowed_to({"retention"}, 200),
    ("GET", "api/analytics/retention"): staff_only(200),
    ("GET", "api/analytics/roi"): staff_only(200),
    ("GET", "api/analytics/segments"): staff_only(200),
    ("GET", "api/analytics/revenue"): staff_only(200),
}


HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _routes(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def api_endpoints() -> list[tuple[str, str]]:
    """(method, route) of every API view in the URL conf, by the handlers its view class defines."""
    endpoints = []
    for route, callback in _routes(get_resolver().url_patterns):
        if not route.startswith("api/"):
            continue
        view = callback.view_class  # every API route is a class-based view's as_view()
        endpoints += [(method, route) for method in HTTP_METHODS if hasattr(view, method.lower())]
    return endpoints


def test_every_endpoint_has_expectations():
    assert sorted(api_endpoints()) == sorted(EXPECTED)


@pytest.fixture(autouse=True)
def no_training():
    """POST /api/admin/retrain queues training; eager Celery would run it here, on a history of one booking."""
    with mock.patch("predictions.tasks.train_models_task.apply_async"):
        yield


def request_for(method: str, route: str, world) -> tuple[str, dict]:
    """The URL and a body that would succeed for whoever is allowed."""
    customer, code = world["customer"], world["code"]
    path = "/" + route.replace("<str:customer_id>", customer.external_id)
    path = path.replace("<int:call_id>", str(world["call"].pk)).replace("<str:gateway>", "bkash")
    bodies = {
        "api/customers/<str:customer_id>/redeem": {
            "code": code.code,
            "order_amount": "1200.00",
            "idempotency_key": "matrix-1",
        },
        "api/predict/churn": {"customer_id": customer.external_id},
        "api/interventions/approve": {"intervention_id": world["intervention"].pk},
        "api/interventions/reject": {"intervention_id": world["intervention"].pk, "reason": "not now"},
        "api/interventions/calls/<int:call_id>/log": {"reached": True, "note": "spoke to them"},
        "api/payments/callback/<str:gateway>": {"paymentID": "x", "transactionStatus": "Completed"},
    }
    return path, bodies.get(route, {}) if method == "POST" else {}


def client_for(user) -> APIClient:
    return APIClient() if user is None else client_of(user)


def state() -> tuple:
    """What a refused write must leave as it was."""
    return (
        list(Intervention.objects.order_by("pk").values_list("pk", "status", "discount_amount")),
        InterventionEvent.objects.count(),
        list(SupportCall.objects.order_by("pk").values_list("pk", "status", "attempts", "assigned_to")),
        list(DiscountCode.objects.order_by("pk").values_list("pk", "uses", "is_active")),
        Redemption.objects.count(),
    )


CASES = [(method, route, role) for (method, route), by_role in EXPECTED.items() for role in by_role]


@pytest.mark.parametrize(("method", "route", "role"), CASES, ids=[f"{m} {r} as {role}" for m, r, role in CASES])
def test_each_role_gets_exactly_the_expected_status(world, method, route, role):
    # given
    path, body = request_for(method, route, world)
    client = client_for(world["users"][role])
    before = state()

    # when
    response = getattr(client, method.lower())(path, body, format="json")

    # then
    assert response.status_code == EXPECTED[(method, route)][role], response.content[:300]
    if response.status_code >= 400:
        assert state() == before
        if response.headers.get("Content-Type", "").startswith("application/json"):
            assert set(response.json()["error"]) == {"code", "message", "details"}


def test_a_customer_sees_only_customer_facing_text_in_their_history(world, customer_user):
    # given: the offer was sent, then staff logged a call about it with a note for staff
    sent = world["sent"]
    InterventionEventFactory(intervention=sent, from_status="approved", to_status="sent", note="SHEBA-7KQ4-M9XD")
    call = SupportCallFactory(intervention=sent, customer=world["customer"])
    note = "wife answered, call back after 6"
    client_of(world["users"]["retention"]).post(
        f"/api/interventions/calls/{call.pk}/log", {"reached": False, "note": note}
    )

    # when
    mine = client_of(customer_user).get("/api/interventions/history").json()["results"]
    staff = client_of(world["users"]["analyst"]).get(
        f"/api/interventions/history?customer={world['customer'].external_id}"
    )

    # then
    assert [(e["from_status"], e["to_status"], e["note"], e["actor"]) for row in mine for e in row["events"]] == [
        ("approved", "sent", "", None)
    ]
    staff_notes = [e["note"] for row in staff.json()["results"] for e in row["events"]]
    assert staff_notes == ["SHEBA-7KQ4-M9XD", f"call no answer (1 of 3): {note}"]


# --- The admin: who may add, change or delete each model's rows (the admin's own checks, for every registered model).

RETENTION_ADDS = {"payments.discountcode", "customers.complaint"}
RETENTION_CHANGES = {
    "interventions.intervention",
    "interventions.supportcall",
    "payments.discountcode",
    "loyalty.loyaltytier",
    "customers.customer",
    "customers.complaint",
}
MODEL_ADMIN_CHANGES = {"predictions.modelversion", "predictions.scoringsettings"}
# Rows only services write or that are fixed (audit trails, logs, settings rows): nobody adds or deletes them here,
# the superuser neither. Read from each admin, so a new model admin needs no entry if it is like its neighbours.
OUR_APPS = {"customers", "predictions", "loyalty", "interventions", "notifications", "payments", "accounts"}
REGISTERED = sorted(
    (f"{model._meta.app_label}.{model._meta.model_name}", model_admin)
    for model, model_admin in admin.site._registry.items()
    if model._meta.app_label in OUR_APPS
)


def admin_request(user):
    request = RequestFactory().post("/admin/")
    request.user = user or AnonymousUser()
    return request


@pytest.mark.parametrize("role", ["anonymous", "customer", "analyst", "retention", "model_admin"])
@pytest.mark.parametrize(("label", "model_admin"), REGISTERED, ids=[label for label, _ in REGISTERED])
def test_each_role_may_write_in_the_admin_only_what_its_role_allows(world, role, label, model_admin):
    # given
    request = admin_request(world["users"][role])
    superuser = admin_request(world["users"]["superuser"])
    adds = {"retention": RETENTION_ADDS}.get(role, set())
    changes = {"retention": RETENTION_CHANGES, "model_admin": MODEL_ADMIN_CHANGES}.get(role, set())

    # when
    may = (
        model_admin.has_add_permission(request),
        model_admin.has_change_permission(request),
        model_admin.has_delete_permission(request),
    )

    # then: what the role's permissions allow, where the admin allows it at all (its superuser answer)
    ceiling = (
        model_admin.has_add_permission(superuser),
        model_admin.has_change_permission(superuser),
        model_admin.has_delete_permission(superuser),
    )
    expected = (label in adds and ceiling[0], label in changes and ceiling[1], False)
    assert may == expected


@pytest.mark.parametrize(("label", "model_admin"), REGISTERED, ids=[label for label, _ in REGISTERED])
def test_an_analyst_posting_to_any_admin_add_page_is_refused(world, label, model_admin):
    app_label, model_name = label.split(".")
    client = APIClient()
    client.force_login(world["users"]["analyst"])  # a browser session: the admin is a Django view, not DRF
    before = state()

    response = client.post(reverse(f"admin:{app_label}_{model_name}_add"), {})

    assert response.status_code == 403
    assert state() == before
