import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from customers.tests.factories import CustomerFactory
from interventions.models import InterventionStatus
from interventions.tests.factories import InterventionFactory
from payments.models import Redemption
from payments.tests.factories import DiscountCodeFactory

pytestmark = pytest.mark.django_db


def url(customer):
    return f"/api/customers/{customer.external_id}/redeem"


def body(discount, **overrides):
    return {
        "code": getattr(discount, "code", discount),
        "order_amount": "1200.00",
        "idempotency_key": "key-1",
        **overrides,
    }


def test_a_customer_redeems_their_code(customer_client, customer_user):
    # given
    code = DiscountCodeFactory(customer=customer_user.customer, value=Decimal("200"), max_uses=3)

    # when
    response = customer_client.post(url(code.customer), body(code.code.lower()))

    # then
    assert response.status_code == 201
    data = response.json()
    redemption = Redemption.objects.get()
    assert data == {
        "id": redemption.pk,
        "code": code.code,
        "customer": code.customer.external_id,
        "order_amount": "1200.00",
        "discount_amount": "200.00",
        "amount_to_pay": "1000.00",
        "remaining_uses": 2,
        "idempotency_key": "key-1",
        "redeemed_at": data["redeemed_at"],
    }


def test_a_retried_request_returns_the_same_redemption(customer_client, customer_user):
    # given
    code = DiscountCodeFactory(customer=customer_user.customer, max_uses=3)

    # when
    first = customer_client.post(url(code.customer), body(code))
    second = customer_client.post(url(code.customer), body(code))

    # then
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    code.refresh_from_db()
    assert code.uses == 1


def test_retention_staff_redeem_on_behalf_of_a_customer(retention_client):
    code = DiscountCodeFactory()

    response = retention_client.post(url(code.customer), body(code))

    assert response.status_code == 201
    assert response.json()["customer"] == code.customer.external_id


@pytest.mark.parametrize("client_fixture", ["analyst_client", "staff_client", "model_admin_client"])
def test_staff_who_may_not_act_for_customers_cannot_redeem_and_nothing_changes(request, client_fixture):
    # given: an analyst, a member of staff with no role, a model administrator
    intervention = InterventionFactory(status=InterventionStatus.SENT, sent_at=timezone.now())
    code = DiscountCodeFactory(customer=intervention.customer, intervention=intervention)

    # when
    response = request.getfixturevalue(client_fixture).post(url(code.customer), body(code))

    # then
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    code.refresh_from_db()
    intervention.refresh_from_db()
    assert (code.uses, Redemption.objects.count(), intervention.status) == (0, 0, InterventionStatus.SENT)


def test_a_customer_cannot_redeem_for_another_customer(customer_client):
    # given
    code = DiscountCodeFactory()

    # when
    response = customer_client.post(url(code.customer), body(code))

    # then
    assert response.status_code == 404
    code.refresh_from_db()
    assert code.uses == 0


def test_another_customers_code_looks_exactly_like_an_unknown_code(customer_client, customer_user):
    # given
    foreign = DiscountCodeFactory(customer=CustomerFactory())
    me = customer_user.customer

    # when
    foreign_response = customer_client.post(url(me), body(foreign, idempotency_key="a"))
    unknown_response = customer_client.post(url(me), body("SHEBA-ZZZZ-ZZZZ", idempotency_key="b"))

    # then
    assert foreign_response.status_code == unknown_response.status_code == 404
    assert foreign_response.json() == unknown_response.json()
    assert foreign_response.json() == {
        "error": {"code": "unknown", "message": "There is no such discount code.", "details": {}}
    }


def expire(code):
    code.expires_at = timezone.now() - dt.timedelta(hours=1)
    code.save()


def deactivate(code):
    code.is_active = False
    code.save()


def use_up(code):
    code.uses = code.max_uses
    code.save()


@pytest.mark.parametrize(
    ("prepare", "overrides", "status", "code", "details_keys"),
    [
        (None, {"code": "SHEBA-??"}, 400, "malformed", {"expected_format"}),
        (None, {"order_amount": "499.00"}, 400, "below_min_order", {"min_order", "order_amount"}),
        (use_up, {}, 409, "used_up", {"max_uses"}),
        (expire, {}, 410, "expired", {"expired_at"}),
        (deactivate, {}, 410, "inactive", set()),
    ],
)
def test_refusals_have_the_error_body_and_change_nothing(
    customer_client, customer_user, prepare, overrides, status, code, details_keys
):
    # given
    discount = DiscountCodeFactory(customer=customer_user.customer, min_order=Decimal("500"))
    if prepare:
        prepare(discount)
    uses_before = discount.uses

    # when
    response = customer_client.post(url(discount.customer), body(discount, **overrides))

    # then
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    assert set(error["details"]) == details_keys
    discount.refresh_from_db()
    assert discount.uses == uses_before
    assert Redemption.objects.count() == 0


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"order_amount": "0"}, "order_amount"),
        ({"order_amount": "abc"}, "order_amount"),
        ({"idempotency_key": "x" * 65}, "idempotency_key"),
        ({"code": ""}, "code"),
    ],
)
def test_invalid_input_is_a_400_naming_the_field(customer_client, customer_user, payload, field):
    code = DiscountCodeFactory(customer=customer_user.customer)

    response = customer_client.post(url(code.customer), body(code, **payload))

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert field in response.json()["error"]["details"]


def test_a_reused_idempotency_key_with_other_data_is_a_409(customer_client, customer_user):
    code = DiscountCodeFactory(customer=customer_user.customer, max_uses=3)
    customer_client.post(url(code.customer), body(code))

    response = customer_client.post(url(code.customer), body(code, order_amount="1300.00"))

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_key_reused"


def test_anonymous_requests_get_401(api_client):
    code = DiscountCodeFactory()

    response = api_client.post(url(code.customer), body(code))

    assert response.status_code == 401


def test_guessing_codes_is_throttled(customer_client, customer_user, settings):
    # given a rate of 3 a minute (the throttles read their rates live)
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {**rates, "code_redeem": "3/min"}}
    me = customer_user.customer

    # when
    responses = [customer_client.post(url(me), body(f"SHEBA-ZZZZ-ZZZ{c}", idempotency_key=c)) for c in "ABCD"]

    # then
    assert [response.status_code for response in responses] == [404, 404, 404, 429]
    assert responses[-1].json()["error"]["code"] == "throttled"
    assert 0 < int(responses[-1]["Retry-After"]) <= 60
