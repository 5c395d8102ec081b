"""The one login page, where each role lands, logout, and the language each user keeps."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse

from accounts.models import UserPreferences
from accounts.services import language_set, preferred_language
from customers.tests.factories import CustomerFactory, StaffUserFactory, UserFactory

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_login_page_has_labelled_fields():
    response = Client().get(reverse("login"))

    text = response.content.decode()
    assert response.status_code == 200
    assert '<label for="id_username">' in text
    assert '<label for="id_password">' in text
    assert 'autocomplete="current-password"' in text


@pytest.mark.parametrize(
    ("role", "lands_on"),
    [("analyst", "/analyst/"), ("retention", "/admin/"), ("model_admin", "/admin/"), ("customer", "/welcome/")],
)
def test_each_role_lands_on_its_own_pages(request, role, lands_on):
    # given
    user = request.getfixturevalue(f"{role}_user")

    # when
    response = Client().post(reverse("login"), {"username": user.username, "password": "pass12345"})

    # then
    assert response.status_code == 302
    assert response["Location"] == lands_on


def test_a_login_goes_back_to_the_page_asked_for(analyst_user):
    response = Client().post(
        reverse("login"), {"username": analyst_user.username, "password": "pass12345", "next": "/analyst/customers/"}
    )

    assert response["Location"] == "/analyst/customers/"


def test_a_login_never_sends_anyone_to_another_site(analyst_user):
    response = Client().post(
        reverse("login"), {"username": analyst_user.username, "password": "pass12345", "next": "https://evil.example/"}
    )

    assert response["Location"] == "/analyst/"


def test_a_wrong_password_says_so_and_logs_nobody_in(analyst_user):
    client = Client()

    response = client.post(reverse("login"), {"username": analyst_user.username, "password": "wrong"})

    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_home_page_sends_each_visitor_to_their_own(analyst_user, customer_user):
    assert Client().get("/")["Location"] == "/login/"
    assert logged_in(analyst_user).get("/")["Location"] == "/analyst/"
    assert logged_in(customer_user).get("/")["Location"] == "/welcome/"


def test_a_customer_is_told_honestly_their_portal_is_not_open_yet():
    # given
    user = UserFactory()
    CustomerFactory(user=user, language="en")

    # when
    response = logged_in(user).get(reverse("customer-home"))

    text = response.content.decode()
    assert "is not open yet" in text
    assert 'href="/api/docs/"' in text
    assert "/analyst/" not in text  # no link to pages they may not open


def test_logging_out_takes_a_post_and_ends_the_session(analyst_user):
    client = logged_in(analyst_user)

    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))

    assert response["Location"] == "/login/"
    assert client.get("/analyst/").status_code == 302


def test_a_member_of_staff_keeps_the_language_they_chose_on_every_device(analyst_user):
    # when: chosen in one browser
    logged_in(analyst_user).post(reverse("language"), {"language": "bn", "next": "/analyst/"})

    # then: another browser, asking for English, gets Bengali pages
    response = logged_in(analyst_user).get("/analyst/", HTTP_ACCEPT_LANGUAGE="en")
    assert UserPreferences.objects.get(user=analyst_user).language == "bn"
    assert '<html lang="bn">' in response.content.decode()
    assert "সারসংক্ষেপ" in response.content.decode()


def test_a_customers_language_is_their_customer_rows_the_one_their_messages_use():
    # given
    user = UserFactory()
    customer = CustomerFactory(user=user, language="bn")

    # when
    logged_in(user).post(reverse("language"), {"language": "en"})

    # then
    customer.refresh_from_db()
    assert customer.language == "en"
    assert not UserPreferences.objects.filter(user=user).exists()
    assert preferred_language(user=user) == "en"


def test_before_logging_in_the_choice_is_kept_in_the_browser():
    client = Client()

    response = client.post(reverse("language"), {"language": "bn", "next": "/login/"})

    assert response["Location"] == "/login/"
    assert client.get("/login/").content.decode().count("লগইন") >= 2


def test_the_api_keeps_speaking_what_each_request_asks_for(analyst_user):
    # given
    language_set(user=analyst_user, language="bn")

    # when
    response = logged_in(analyst_user).get("/api/predictions/dashboard", HTTP_ACCEPT_LANGUAGE="en")

    # then
    assert response.headers["Content-Language"] == "en"


def test_an_unknown_language_changes_nothing(analyst_user):
    logged_in(analyst_user).post(reverse("language"), {"language": "fr"})

    assert not UserPreferences.objects.filter(user=analyst_user).exists()


def test_nobody_has_a_language_before_choosing():
    assert preferred_language(user=AnonymousUser()) is None
    assert preferred_language(user=StaffUserFactory()) is None


def test_choosing_again_replaces_the_choice(analyst_user):
    language_set(user=analyst_user, language="bn")
    language_set(user=analyst_user, language="en")

    assert preferred_language(user=analyst_user) == "en"
    with pytest.raises(ValueError, match="unknown language"):
        language_set(user=analyst_user, language="xx")
