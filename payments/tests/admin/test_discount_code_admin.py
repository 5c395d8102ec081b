import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from customers.tests.factories import CustomerFactory
from payments.models import DiscountCode
from payments.tests.factories import DiscountCodeFactory

pytestmark = pytest.mark.django_db


def test_the_add_form_issues_an_unguessable_code_through_the_service(admin_client):
    # given
    customer = CustomerFactory()

    # when
    response = admin_client.post(
        reverse("admin:payments_discountcode_add"),
        {
            "customer": customer.pk,
            "intervention": "",
            "kind": "percent",
            "value": "20",
            "max_uses": "2",
            "min_order": "300",
            "valid_days": "10",
        },
    )

    # then
    code = DiscountCode.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:payments_discountcode_changelist")
    assert re.fullmatch(r"SHEBA-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}", code.code)
    assert (code.customer, code.kind, code.value, code.max_uses, code.min_order) == (
        customer,
        "percent",
        Decimal("20.00"),
        2,
        Decimal("300.00"),
    )


def test_the_add_form_has_no_code_field_and_refuses_a_percent_above_100(admin_client):
    # when
    page = admin_client.get(reverse("admin:payments_discountcode_add"))
    response = admin_client.post(
        reverse("admin:payments_discountcode_add"),
        {"customer": "", "kind": "percent", "value": "120", "max_uses": "1", "min_order": "0", "valid_days": "5"},
    )

    # then
    assert 'name="code"' not in page.content.decode()
    assert response.status_code == 200
    assert "code_percent_at_most_100" in response.content.decode()
    assert DiscountCode.objects.count() == 0


def test_the_code_cannot_be_edited_after_issue(admin_client):
    code = DiscountCodeFactory()

    page = admin_client.get(reverse("admin:payments_discountcode_change", args=[code.pk]))

    assert 'name="code"' not in page.content.decode()
    assert code.code in page.content.decode()


def test_the_deactivate_action_switches_codes_off(admin_client):
    # given
    active = DiscountCodeFactory.create_batch(2)
    keep = DiscountCodeFactory()

    # when
    response = admin_client.post(
        reverse("admin:payments_discountcode_changelist"),
        {"action": "deactivate_codes", "_selected_action": [c.pk for c in active]},
        follow=True,
    )

    # then
    assert "Deactivated 2 code(s)." in response.content.decode()
    assert list(DiscountCode.objects.filter(is_active=False).order_by("pk")) == active
    keep.refresh_from_db()
    assert keep.is_active


def test_save_and_continue_opens_the_issued_code(admin_client):
    response = admin_client.post(
        reverse("admin:payments_discountcode_add"),
        {"kind": "amount", "value": "150", "max_uses": "1", "min_order": "0", "valid_days": "3", "_continue": "1"},
        follow=True,
    )

    code = DiscountCode.objects.get()
    assert response.redirect_chain[-1][0] == reverse("admin:payments_discountcode_change", args=[code.pk])
    assert any(code.code in str(m) and "added successfully" in str(m) for m in response.context["messages"])


def change(admin_client, code, **fields):
    local = timezone.localtime(code.expires_at)
    data = {
        "is_active": "on" if code.is_active else "",
        "expires_at_0": local.strftime("%Y-%m-%d"),
        "expires_at_1": local.strftime("%H:%M:%S"),
        "max_uses": str(code.max_uses),
        "min_order": str(code.min_order),
        **fields,
    }
    return admin_client.post(reverse("admin:payments_discountcode_change", args=[code.pk]), data)


def test_staff_allow_more_uses_and_withdraw_a_code_through_the_service(admin_client):
    code = DiscountCodeFactory(max_uses=1, value=Decimal("200"))

    response = change(admin_client, code, max_uses="3", is_active="")

    assert response.status_code == 302
    code.refresh_from_db()
    assert (code.max_uses, code.is_active, code.value) == (3, False, Decimal("200.00"))


def test_a_code_cannot_allow_fewer_uses_than_it_has_had(admin_client):
    code = DiscountCodeFactory(max_uses=3, uses=2)

    response = change(admin_client, code, max_uses="1")

    assert response.status_code == 200
    assert "allow at least 2" in response.content.decode()
    code.refresh_from_db()
    assert code.max_uses == 3
