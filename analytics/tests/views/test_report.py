"""The report page and its PDF: who may have them, in which language, and what a bad filter or a server without
Pango answers."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.services import language_set
from analytics.tests.report_data import report_history
from analytics.tests.reports.pango import without_pango
from analytics.tests.reports.pdf import pdf_text

pytestmark = pytest.mark.django_db

IN_PERIOD = {"start": "2025-01-01", "end": "2025-04-30"}  # report_data.PERIOD


def browser_of(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize("name", ["analyst:report", "analyst:report-pdf"])
def test_an_anonymous_visitor_is_sent_to_the_login_page(name):
    response = browser_of(None).get(reverse(name))

    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


@pytest.mark.parametrize("name", ["analyst:report", "analyst:report-pdf"])
def test_a_customer_is_refused_the_report(customer_user, name):
    assert browser_of(customer_user).get(reverse(name)).status_code == 403


def test_an_analyst_chooses_the_period_on_the_report_page(analyst_user):
    # given
    report_history()

    # when
    response = browser_of(analyst_user).get(reverse("analyst:report"))

    # then: the form downloads the PDF; the default period is the year up to the last booking (March 10, 2025)
    assert response.status_code == 200
    page = response.content.decode()
    assert f'action="{reverse("analyst:report-pdf")}"' in page
    assert 'value="2024-04-01"' in page
    assert 'value="2025-03-10"' in page
    assert "Download the PDF" in page


def test_the_overview_and_the_navigation_lead_to_the_report(analyst_user):
    page = browser_of(analyst_user).get(reverse("analyst:overview")).content.decode()

    assert page.count(f'href="{reverse("analyst:report")}"') == 2


def test_an_analyst_downloads_the_report_as_a_pdf(analyst_user):
    # given
    report_history()

    # when: the form's empty fields (no city, no segment) are no filter
    response = browser_of(analyst_user).get(reverse("analyst:report-pdf"), {**IN_PERIOD, "city": "", "segment": ""})

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="sheba-retention-report-2025-01-01-2025-04-30.pdf"'
    text = pdf_text(response.content)
    assert "Jan. 1, 2025 to April 30, 2025" in text
    assert "50.0%" in text


def test_the_report_is_in_the_language_the_analyst_chose(analyst_user):
    # given
    report_history()
    language_set(user=analyst_user, language="bn")

    # when
    response = browser_of(analyst_user).get(reverse("analyst:report-pdf"), IN_PERIOD)

    # then
    text = pdf_text(response.content)
    assert "৫০.০%" in text
    assert "50.0%" not in text


@pytest.mark.parametrize(
    ("asked", "message"),
    [
        ({"start": "2025-05-01", "end": "2025-01-01"}, "To: The period ends before it starts."),
        ({"start": "1066-10-14"}, "From: 1066-10-14 is outside the dates the data can hold"),
        ({"start": "yesterday"}, "From: Date has wrong format."),
        ({"city": "atlantis"}, "City: &quot;atlantis&quot; is not a valid choice."),
        ({"action": "bribe"}, "Action: &quot;bribe&quot; is not a valid choice."),
    ],
)
def test_a_bad_filter_is_refused_with_what_is_wrong(analyst_user, asked, message):
    response = browser_of(analyst_user).get(reverse("analyst:report-pdf"), asked)

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert message in response.content.decode()


def test_without_pango_the_pdf_explains_what_to_install_instead_of_failing(analyst_user, monkeypatch):
    # given
    without_pango(monkeypatch)
    browser = browser_of(analyst_user)

    # when
    pdf = browser.get(reverse("analyst:report-pdf"), IN_PERIOD)
    page = browser.get(reverse("analyst:report"))

    # then: the download answers 503 with the explanation; the page says it before anyone clicks
    assert pdf.status_code == 503
    assert "apt-get install libpango-1.0-0 libpangoft2-1.0-0 fonts-beng" in pdf.content.decode()
    assert page.status_code == 200
    assert "PDF reports are not available on this server" in page.content.decode()
    assert "disabled" in page.content.decode()
