"""An analyst at the report pages in a real browser: the charts drawn by plotly.js, a filter that redraws them in
place through htmx and remembers itself in the address, and a CSV download with the numbers on the screen."""

import csv
import io
import re

import pytest
from playwright.sync_api import Page, expect

from analytics.tests.factories import reports_data
from tests.browser.test_analyst_portal import log_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PLOTTED = "box => box.data.map(trace => trace.y)"  # what plotly drew: each trace's categories


def test_an_analyst_filters_the_ab_results_and_downloads_them(page: Page, live_server, analyst_user):
    # given: win-back discounts to 60 customers, personal calls to 2, all in February 2025
    reports_data()
    log_in(page, live_server.url, analyst_user.username)

    # when: opening the A/B results from the navigation
    page.get_by_role("link", name="A/B results", exact=True).click()

    # then: the forest plot is drawn with both actions, and its numbers are in the table
    expect(page.get_by_role("heading", name="A/B results", exact=True)).to_be_visible()
    chart = page.locator("#chart-ab [data-chart]")
    expect(chart).to_have_attribute("data-drawn", "true")
    assert chart.evaluate(PLOTTED) == [
        ["Win-back discount", "Win-back discount · At-Risk"],
        ["Personal call from support"],
    ]
    table = page.locator("#chart-ab table tbody tr")
    expect(table).to_have_count(3)

    # when: choosing one action
    page.get_by_label("Action").select_option("personal_call")

    # then: the report is swapped in place, redrawn with that action alone, and the address remembers the filter
    expect(page).to_have_url(re.compile(r"/analyst/ab-results/\?.*action=personal_call"))
    expect(table).to_have_count(1)
    expect(table.first).to_contain_text("Too small to say")
    chart = page.locator("#chart-ab [data-chart]")
    expect(chart).to_have_attribute("data-drawn", "true")
    assert chart.evaluate(PLOTTED) == [[], ["Personal call from support"]]

    # when: downloading the chart's CSV
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV").click()
    download = download_info.value

    # then: the numbers of the filtered table, with a BOM, named after the period
    assert re.fullmatch(r"ab_\d{4}-\d{2}-\d{2}_2025-03-10\.csv", download.suggested_filename)
    content = download.path().read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    header, *rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert header[:3] == ["Action", "Segment", "Proposed"]
    assert rows == [
        [
            "Personal call from support",
            "All segments",
            "1",
            "1",
            "1",
            "0",
            "100.0",
            "0.0",
            "100.0",
            "100.0",
            "100.0",
            "0.1573",  # p-value of one against one
            "100.0",
            "100.0",
            "100.0",
            "100.0",
            "Too small to say",
        ]
    ]


def test_a_bad_period_says_so_in_the_page(page: Page, live_server, analyst_user):
    # given
    log_in(page, live_server.url, analyst_user.username)
    page.goto(f"{live_server.url}/analyst/retention/")

    # when: a period that ends before it starts
    page.get_by_label("From", exact=True).fill("2025-03-01")
    page.get_by_label("To", exact=True).fill("2025-01-01")

    # then: the message replaces the report, and no chart is left drawn
    expect(page.get_by_role("alert")).to_contain_text("The period ends before it starts.")
    expect(page.locator("[data-chart]")).to_have_count(0)


def test_in_bengali_the_axes_count_in_bengali_digits_after_every_redraw(page: Page, live_server, analyst_user):
    # given
    reports_data()
    log_in(page, live_server.url, analyst_user.username)
    page.get_by_role("button", name="বাংলা").click()
    expect(page.locator("html")).to_have_attribute("lang", "bn")

    # when: opening the ROI page, whose axis counts returns plotly numbers itself
    page.goto(f"{live_server.url}/analyst/roi/")
    chart = page.locator("#chart-roi [data-chart]")
    expect(chart).to_have_attribute("data-drawn", "true")

    # then: the axis' numbers are in Bengali digits, and stay so when plotly redraws for a narrower window
    def ticks() -> list[str]:
        return chart.locator(".ytick text").all_text_contents()

    assert ticks()
    assert all(re.search(r"[০-৯]", tick) and not re.search(r"[0-9]", tick) for tick in ticks())
    page.set_viewport_size({"width": 700, "height": 900})
    page.wait_for_function("box => box._fullLayout.width < 700", arg=chart.element_handle())
    assert ticks()
    assert not any(re.search(r"[0-9]", tick) for tick in ticks())
