import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customers.tests.factories import CustomerFactory
from interventions.tests.factories import InterventionFactory
from payments.tests.factories import DiscountCodeFactory

pytestmark = pytest.mark.django_db


def url(customer):
    return f"/api/customers/{customer.external_id}/offers"


def test_a_customer_lists_their_redeemable_offers_with_the_message_in_their_language(customer_client, customer_user):
    # given
    customer = customer_user.customer  # language bn
    intervention = InterventionFactory(customer=customer)
    soon = DiscountCodeFactory(
        customer=customer,
        intervention=intervention,
        kind="percent",
        value=Decimal("15"),
        max_uses=3,
        uses=1,
        min_order=Decimal("800"),
        expires_at=timezone.now() + dt.timedelta(days=2),
    )
    later = DiscountCodeFactory(customer=customer, expires_at=timezone.now() + dt.timedelta(days=20))
    DiscountCodeFactory(customer=customer, is_active=False)
    DiscountCodeFactory(customer=customer, expires_at=timezone.now() - dt.timedelta(seconds=1))
    DiscountCodeFactory(customer=customer, max_uses=2, uses=2)
    DiscountCodeFactory()  # someone else's
    DiscountCodeFactory(customer=None)  # public codes are not personal offers

    # when
    response = customer_client.get(url(customer))

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    first, second = body["results"]
    assert first == {
        "code": soon.code,
        "kind": "percent",
        "value": "15.00",
        "min_order": "800.00",
        "max_uses": 3,
        "remaining_uses": 2,
        "expires_at": first["expires_at"],
        "intervention": intervention.pk,
        "message": intervention.message_bn,
    }
    assert dt.datetime.fromisoformat(first["expires_at"]) == soon.expires_at
    assert (second["code"], second["message"], second["intervention"]) == (later.code, "", None)


@pytest.mark.parametrize(("language", "expected"), [("en", "message_en"), ("bn", "message_bn")])
def test_staff_see_any_customers_offers_in_that_customers_language(staff_client, language, expected):
    # given
    customer = CustomerFactory(language=language)
    intervention = InterventionFactory(customer=customer)
    DiscountCodeFactory(customer=customer, intervention=intervention)

    # when
    response = staff_client.get(url(customer))

    # then
    assert response.status_code == 200
    assert response.json()["results"][0]["message"] == getattr(intervention, expected)


def test_the_message_falls_back_to_the_other_language():
    from interventions.selectors import offer_message

    code = DiscountCodeFactory(intervention=InterventionFactory(message_bn=""))

    assert offer_message(code=code, language="bn") == code.intervention.message_en


def test_another_customers_offers_are_a_404(customer_client):
    # given
    other = CustomerFactory()
    DiscountCodeFactory(customer=other)

    # when
    response = customer_client.get(url(other))

    # then
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_an_unknown_customer_is_a_404(staff_client):
    assert staff_client.get("/api/customers/NOPE/offers").status_code == 404


def test_anonymous_requests_get_401(api_client):
    response = api_client.get(url(CustomerFactory()))

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_offer_list_queries_do_not_grow_with_offers(staff_client):
    # given
    customer = CustomerFactory()
    for _ in range(2):
        DiscountCodeFactory(customer=customer, intervention=InterventionFactory(customer=CustomerFactory()))

    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            assert staff_client.get(url(customer)).status_code == 200
        return len(queries)

    two = count_queries()
    for _ in range(6):
        DiscountCodeFactory(customer=customer, intervention=InterventionFactory(customer=CustomerFactory()))

    # then
    assert count_queries() == two
