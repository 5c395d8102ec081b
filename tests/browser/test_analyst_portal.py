"""An analyst, a customer and a stranger at the portal, in a real browser: logging in, searching with htmx,
reading a customer's story, switching to Bengali."""

import re

import pytest
from playwright.sync_api import Page, expect

from analytics.tests.portal_data import storied_customer
from customers.tests.factories import UserFactory

# The live server reads the rows over its own connection, so they are committed (conftest.py reloads the reference
# rows first); the ones the data migrations loaded come back for the tests after (serialized_rollback).
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("pass12345")
    page.get_by_role("button", name="Log in").click()
    # the redirect must have arrived before the caller acts on the page (a key pressed too early lands on the form)
    page.wait_for_url(lambda url: "/login/" not in url)


def test_an_analyst_finds_a_customer_and_reads_their_story_in_bengali(page: Page, live_server, analyst_user):
    # given
    storied_customer()

    # when: logging in
    log_in(page, live_server.url, analyst_user.username)

    # then: the overview of the latest scoring day
    expect(page).to_have_url(f"{live_server.url}/analyst/")
    expect(page.get_by_role("heading", name="Overview", exact=True)).to_be_visible()
    expect(page.locator(".tile").first).to_contain_text("1")

    # when: searching by name, typed as a person types (htmx asks as they pause)
    page.get_by_role("link", name="Customers", exact=True).click()
    page.get_by_label("Customer id, name or phone").press_sequentially("Rahima", delay=20)

    # then: the results arrive in place, and the address remembers the search
    result = page.get_by_role("link", name="C0004217")
    expect(result).to_be_visible()
    expect(page.get_by_role("heading", name="1 customer found")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/analyst/customers/\?q=Rahima$"))

    # when: opening the story
    result.click()

    # then: the latest risk with its reasons, the history and the intervention's trail
    expect(page.get_by_role("heading", name="Rahima Begum")).to_be_visible()
    expect(page.locator(".risk-card")).to_contain_text("72%")
    expect(page.locator(".risk-card")).to_contain_text("No booking for 120 days")
    expect(page.locator(".trail")).to_contain_text("Proposed → Approved")

    # when: switching to Bengali
    page.get_by_role("button", name="বাংলা").click()

    # then: the same story in Bengali, with Bengali digits, and the choice is kept on the next page
    expect(page.locator("html")).to_have_attribute("lang", "bn")
    expect(page.get_by_role("heading", name="Rahima Begum")).to_be_visible()
    expect(page.locator(".risk-card")).to_contain_text("৭২%")
    expect(page.locator(".risk-card")).to_contain_text("১২০ দিন কোনো বুকিং নেই")
    expect(page.locator("#bookings")).to_contain_text("৳১,২৫০")
    page.get_by_role("link", name="সারসংক্ষেপ").click()
    expect(page.get_by_role("heading", name="সারসংক্ষেপ", exact=True)).to_be_visible()


def test_the_keyboard_reaches_the_content_first(page: Page, live_server, analyst_user):
    # given
    log_in(page, live_server.url, analyst_user.username)

    # when
    page.keyboard.press("Tab")

    # then: the first stop is the link past the navigation, and it is visible when focused
    skip = page.get_by_role("link", name="Skip to the content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()


def test_a_customer_logging_in_is_not_shown_the_analyst_portal(page: Page, live_server):
    # given
    customer = storied_customer()
    customer.user = UserFactory(username="rahima")
    customer.language = "en"
    customer.save()

    # when
    log_in(page, live_server.url, "rahima")

    # then: their own page, which says honestly what is there today; the analyst portal refuses them
    expect(page).to_have_url(f"{live_server.url}/welcome/")
    expect(page.get_by_text("is not open yet")).to_be_visible()
    expect(page.get_by_role("link", name="Overview")).to_have_count(0)
    response = page.goto(f"{live_server.url}/analyst/customers/C0004217/")
    assert response is not None
    assert response.status == 403
    expect(page.get_by_role("heading", name="Not for your account")).to_be_visible()


def test_a_stranger_is_asked_to_log_in_and_then_sees_the_page_asked_for(page: Page, live_server, analyst_user):
    # given
    storied_customer()

    # when
    page.goto(f"{live_server.url}/analyst/customers/C0004217/")

    # then
    expect(page).to_have_url(re.compile(r"/login/\?next=/analyst/customers/C0004217/$"))
    page.get_by_label("Username").fill(analyst_user.username)
    page.get_by_label("Password").fill("pass12345")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{live_server.url}/analyst/customers/C0004217/")
