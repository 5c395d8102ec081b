"""The analyst portal's pages and fragments: who may open each, what it shows, and that nothing in it writes."""

import pytest
from django.test import Client
from django.urls import reverse

from analytics.tests.portal_data import TODAY, storied_customer
from customers.tests.factories import CustomerFactory, UserFactory
from interventions.services.replay import simulation_user
from predictions.tests.factories import PredictionFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def story():
    return storied_customer()


def pages(customer_id: str = "C0004217") -> list[str]:
    return [
        reverse("analyst:overview"),
        reverse("analyst:overview") + f"?as_of={TODAY.isoformat()}",
        reverse("analyst:customers") + "?q=Rahima",
        reverse("analyst:customer", args=[customer_id]),
        reverse("analyst:customer", args=[customer_id]) + "?bookings=2",
    ]


def browser_of(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
@pytest.mark.parametrize("index", range(5))
def test_an_anonymous_visitor_is_sent_to_the_login_page_and_back(story, index, htmx):
    # given
    url = pages()[index]

    # when
    response = browser_of(None).get(url, headers=HTMX if htmx else {})

    # then: a page redirects; a fragment makes htmx load the login page as a whole page
    if htmx:
        assert response.status_code == 200
        assert response.headers["HX-Redirect"].startswith("/login/?next=")
    else:
        assert response.status_code == 302
        assert response["Location"].startswith("/login/?next=")


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
@pytest.mark.parametrize("index", range(5))
def test_a_customer_is_refused_every_page_and_fragment(story, customer_user, index, htmx):
    response = browser_of(customer_user).get(pages()[index], headers=HTMX if htmx else {})

    assert response.status_code == 403


@pytest.mark.parametrize("index", range(5))
def test_a_customer_is_refused_even_their_own_story(index):
    # given: a login linked to the very customer the page is about
    customer = storied_customer()
    customer.user = UserFactory()
    customer.save()

    response = browser_of(customer.user).get(pages()[index])

    assert response.status_code == 403


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("index", range(5))
def test_an_analyst_can_write_nothing_through_the_portal(story, analyst_user, index, method):
    response = getattr(browser_of(analyst_user), method)(pages()[index])

    assert response.status_code == 405


def test_the_overview_shows_the_latest_scoring_day(story, analyst_user):
    # given another customer scored on the same day, at low risk
    PredictionFactory(as_of=TODAY, churn_probability=0.1, risk_category="low", ltv=1000, ltv_low=500, ltv_high=2000)

    # when
    response = browser_of(analyst_user).get(reverse("analyst:overview"))

    # then: two scored, one at risk, the at-risk one's value at risk
    assert response.status_code == 200
    text = response.content.decode()
    assert "Customers scored" in text
    assert '<span class="figure">2</span>' in text
    assert '<span class="figure">1</span>' in text
    assert "50.0% of those scored, at or above 60% churn risk" in text
    assert "Tk 18,000" in text  # the at-risk customer's lifetime value
    assert "<html" in text


def test_the_overview_fragment_is_the_summary_of_the_chosen_day_alone(story, analyst_user):
    # when
    response = browser_of(analyst_user).get(reverse("analyst:overview") + "?as_of=2026-02-15", headers=HTMX)

    # then
    text = response.content.decode()
    assert response.status_code == 200
    assert text.lstrip().startswith('<div id="summary"')
    assert "<html" not in text
    assert "Feb. 15, 2026" in text
    assert response.headers["Vary"].count("HX-Request") == 1


def test_an_unknown_scoring_day_shows_the_latest(story, analyst_user):
    response = browser_of(analyst_user).get(reverse("analyst:overview") + "?as_of=1999-01-01")

    assert "March 15, 2026" in response.content.decode()


def test_the_overview_says_when_the_history_holds_the_demos_simulated_nights(story, analyst_user):
    # given
    before = browser_of(analyst_user).get(reverse("analyst:overview")).content.decode()
    simulation_user()

    # when
    after = browser_of(analyst_user).get(reverse("analyst:overview")).content.decode()

    # then
    assert "were simulated by the demo" not in before
    assert "were simulated by the demo" in after
    assert "demo-simulation" in after


def test_the_overview_before_any_scoring_says_so(analyst_user):
    response = browser_of(analyst_user).get(reverse("analyst:overview"))

    assert response.status_code == 200
    assert "No customer has been scored yet" in response.content.decode()


@pytest.mark.parametrize("query", ["C0004217", "rahima", "01712-345678", "+880 1712 345678", "C00042"])
def test_the_search_finds_a_customer_by_id_name_or_phone(story, analyst_user, query):
    # given someone else who must not match
    CustomerFactory(external_id="C0009999", name="Karim Uddin", phone="+8801898765432")

    # when
    response = browser_of(analyst_user).get(reverse("analyst:customers"), {"q": query}, headers=HTMX)

    # then
    text = response.content.decode()
    assert "1 customer found" in text
    assert 'href="/analyst/customers/C0004217/"' in text
    assert "Karim" not in text
    assert "<html" not in text


def test_the_search_page_without_a_query_lists_nobody(story, analyst_user):
    response = browser_of(analyst_user).get(reverse("analyst:customers"))

    assert response.status_code == 200
    assert "found" not in response.content.decode()


def test_a_search_in_bengali_has_bengali_digits(story, analyst_user):
    # given
    client = browser_of(analyst_user)
    client.post(reverse("language"), {"language": "bn"})

    # when
    response = client.get(reverse("analyst:customers"), {"q": "Rahima"}, headers=HTMX)

    # then
    assert "১ জন গ্রাহক পাওয়া গেছে" in response.content.decode()


def test_the_story_tells_the_whole_history(story, analyst_user):
    # when
    response = browser_of(analyst_user).get(reverse("analyst:customer", args=["C0004217"]))

    # then
    text = response.content.decode()
    assert response.status_code == 200
    assert "Rahima Begum" in text
    assert "72%" in text  # both scoring days
    assert "41%" in text
    assert "No booking for 120 days" in text  # the reason, in English
    assert "At-Risk" in text  # segment history
    assert "Occasional" in text
    assert "Silver" in text
    assert "Win-back discount" in text  # the intervention and its trail
    assert "Proposed → Approved" in text
    assert text.count("Tk 1,250") == 3  # three bookings


def test_the_story_in_bengali(story, analyst_user):
    # given
    client = browser_of(analyst_user)
    client.post(reverse("language"), {"language": "bn"})

    # when
    text = client.get(reverse("analyst:customer", args=["C0004217"])).content.decode()

    # then: the reasons as stored in Bengali, amounts and shares in Bengali digits
    assert "১২০ দিন কোনো বুকিং নেই" in text
    assert "৭২%" in text
    assert "৳১,২৫০" in text
    assert 'lang="bn"' in text


def test_the_bookings_fragment_pages_through_the_bookings(analyst_user):
    # given 25 bookings: a page of 20, then 5
    storied_customer(bookings=25)

    # when
    response = browser_of(analyst_user).get(
        reverse("analyst:customer", args=["C0004217"]) + "?bookings=2", headers=HTMX
    )

    # then
    text = response.content.decode()
    assert text.lstrip().startswith('<section class="card" id="bookings"')
    assert "21–25 of 25" in text
    assert text.count("Tk 1,250") == 5
    assert "Newer bookings" in text
    assert "Older bookings" not in text


def test_an_unknown_customer_is_404(analyst_user):
    response = browser_of(analyst_user).get(reverse("analyst:customer", args=["C404"]))

    assert response.status_code == 404


def test_the_story_reads_in_a_bounded_number_of_queries(story, analyst_user, django_assert_max_num_queries):
    client = browser_of(analyst_user)
    client.get(reverse("analyst:customer", args=["C0004217"]))  # sessions, settings rows warmed

    with django_assert_max_num_queries(25):
        client.get(reverse("analyst:customer", args=["C0004217"]))
