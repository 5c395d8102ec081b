"""setup_demo_accounts: each printed login works and lands where the printout says."""

import pytest
from django.test import Client

from customers.services.demo_accounts import demo_accounts_setup
from customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_every_demo_login_logs_in_and_lands_where_it_is_printed():
    # given
    CustomerFactory()

    # when
    logins = demo_accounts_setup(password="demo-pass-1")

    # then
    where = {login.username: login.where for login in logins}
    assert where["analyst"] == "/login/ → /analyst/"
    assert where["admin"] == where["staff"] == where["modeller"] == "/login/ → /admin/"
    assert where["customer"] == "/login/ → /welcome/, and the API (/api/docs/)"
    for login in logins:
        client = Client()
        response = client.post("/login/", {"username": login.username, "password": "demo-pass-1"})
        assert response.status_code == 302
        assert login.where.startswith(f"/login/ → {response['Location']}")


def test_running_it_again_resets_the_passwords_without_new_users():
    # given
    CustomerFactory()
    first = demo_accounts_setup()

    # when
    second = demo_accounts_setup()

    # then
    assert [login.username for login in second] == [login.username for login in first]
    assert all(a.password != b.password for a, b in zip(first, second, strict=True))
    assert Client().login(username="analyst", password=second[2].password)
    assert not Client().login(username="analyst", password=first[2].password)
