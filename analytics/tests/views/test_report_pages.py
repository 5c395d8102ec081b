"""The analyst portal's report pages, their htmx fragments and their CSV exports: who may open them, that the filters
are validated as the API validates them, and that the screen and the CSV show the selectors' numbers."""

import csv
import datetime as dt
import io
import json
import re
from unicodedata import normalize

import pytest
from django.test import Client
from django.urls import reverse

from analytics.selectors import AnalyticsFilters, retention_report, roi_report, segments_report
from analytics.tests.factories import REPORT_PERIOD, reports_data
from customers.tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
Q1 = AnalyticsFilters(start=dt.date(2025, 1, 1), end=dt.date(2025, 3, 31))

# report page (its URL name) → the charts it shows, each with its CSV; not called `page`, which is Playwright's page
# fixture: a parameter of that name would regroup the browser tests among these
PAGES = {
    "retention": ["retention", "cohorts", "cohort-curves"],
    "experiments": ["ab"],
    "roi": ["roi", "revenue"],
    "segments": [
        "segments",
        "segments-movement",
        "segments-transitions",
        "tiers",
        "tiers-movement",
        "tiers-transitions",
    ],
    "quality": ["quality", "calibration", "drift"],
}
EXPORTS = [(page, chart) for page, charts in PAGES.items() for chart in charts]


@pytest.fixture
def data():
    reports_data()


def browser_of(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def page_url(page: str) -> str:
    return reverse(f"analyst:{page}")


def csv_url(page: str, chart: str) -> str:
    return reverse(f"analyst:{page}-csv", args=[chart])


def every_url() -> list[str]:
    return [page_url(page) for page in PAGES] + [csv_url(page, chart) for page, chart in EXPORTS]


def rows_of(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def as_percent(share: float | None) -> str:
    """A share as the CSV writes it: a percentage with one decimal."""
    assert share is not None
    return str(round(share * 100, 1))


def figure_of(text: str, chart: str) -> dict:
    found = re.search(rf'<script id="chart-{chart}-data" type="application/json">(.*?)</script>', text, re.S)
    assert found, f"no figure for {chart}"
    return json.loads(found.group(1))


# --- who may open them ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
@pytest.mark.parametrize("url", every_url())
def test_an_anonymous_visitor_is_sent_to_log_in(url, htmx):
    response = browser_of(None).get(url, REPORT_PERIOD, headers=HTMX if htmx else {})

    if htmx:
        assert response.headers["HX-Redirect"].startswith("/login/?next=")
    else:
        assert response.status_code == 302
        assert response["Location"].startswith("/login/?next=")


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
@pytest.mark.parametrize("url", every_url())
def test_a_customer_is_refused(customer_user, url, htmx):
    response = browser_of(customer_user).get(url, REPORT_PERIOD, headers=HTMX if htmx else {})

    assert response.status_code == 403


@pytest.mark.parametrize("url", every_url())
def test_staff_of_another_role_read_them_as_the_staff_decorator_lets_them(retention_user, model_admin_user, url):
    # given: retention staff and a model administrator, who see the business's data like analysts do
    for user in (retention_user, model_admin_user):
        # then
        assert browser_of(user).get(url, REPORT_PERIOD).status_code == 200


def test_a_login_that_is_not_staff_is_refused():
    # given: signed in, linked to no customer and not staff
    user = StaffUserFactory(is_staff=False)

    assert browser_of(user).get(page_url("retention")).status_code == 403


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("url", every_url())
def test_an_analyst_can_write_nothing_through_them(analyst_user, url, method):
    response = getattr(browser_of(analyst_user), method)(url)

    assert response.status_code == 405


# --- pages and fragments ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("report", PAGES)
def test_each_page_shows_its_charts_with_their_numbers_and_csv_links(data, analyst_user, report):
    # when
    response = browser_of(analyst_user).get(page_url(report), REPORT_PERIOD)

    # then: a whole page, plotly and the drawing script from our static files, every chart with its table and CSV
    text = response.content.decode()
    assert response.status_code == 200
    assert "<html" in text
    assert '/static/vendor/plotly/plotly.min.js"' in text
    assert '/static/js/charts.js"' in text
    assert "cdn" not in text.lower()
    assert "Showing Jan. 1, 2025 to March 31, 2025" in text
    for chart in PAGES[report]:
        assert f'id="chart-{chart}"' in text
        href = f"{csv_url(report, chart)}?start=2025-01-01&amp;end=2025-03-31"
        assert f'href="{href}"' in text
    assert response.headers["Vary"].count("HX-Request") == 1


@pytest.mark.parametrize("report", PAGES)
def test_the_fragment_is_the_report_alone(data, analyst_user, report):
    response = browser_of(analyst_user).get(page_url(report), REPORT_PERIOD, headers=HTMX)

    text = response.content.decode()
    assert response.status_code == 200
    assert text.lstrip().startswith('<div id="report"')
    assert "<html" not in text
    assert "<form" not in text


def test_the_retention_page_shows_the_selectors_numbers(data, analyst_user):
    # given
    report = retention_report(Q1)

    # when
    text = browser_of(analyst_user).get(page_url("retention"), {**REPORT_PERIOD, "city": "dhaka"}).content.decode()

    # then: January 3 active in Dhaka, 2 of them again in February (66.7%); February 2, 1 again (50.0%)
    assert [(row.active, row.retained) for row in report.months] == [(4, 2), (2, 1)]  # every city
    figure = figure_of(text, "retention")
    assert figure["data"][0]["y"] == pytest.approx([2 / 3, 0.5])
    assert '<th scope="row">January 2025</th><td class="num">3</td><td class="num">2</td>' in text
    assert "66.7%" in text
    assert figure_of(text, "cohorts")["data"][0]["z"] == [pytest.approx([1.0, 2 / 3, 1 / 3])]
    assert "of the 2 customers active in February 2025 were active the next month" in text


def test_the_ab_page_draws_the_forest_plot_and_says_where_the_sample_is_too_small(data, analyst_user):
    # when
    text = browser_of(analyst_user).get(page_url("experiments"), REPORT_PERIOD).content.decode()

    # then: win-back has enough customers, the personal call (one against one) does not
    enough, too_small = figure_of(text, "ab")["data"]
    assert enough["y"] == ["Win-back discount", "Win-back discount · At-Risk"]
    assert enough["x"] == pytest.approx([1 / 3, 1 / 3])
    assert too_small["y"] == ["Personal call from support"]
    assert too_small["marker"]["symbol"] == "circle-open"
    assert "Too small to say" in text
    assert "33.3%" in text  # the difference
    result = roi_report(Q1).ab[1]
    assert (result.action, result.segment) == ("win_back_discount", "")
    assert f"{result.test.p_value:,.4f}" in text


def test_the_roi_page_draws_each_return_with_its_interval_and_exports_it(data, analyst_user):
    browser = browser_of(analyst_user)
    overall = {item.roi.action: item for item in roi_report(Q1).roi if not item.segment}

    text = browser.get(page_url("roi"), REPORT_PERIOD).content.decode()
    exported = rows_of(browser.get(csv_url("roi", "roi"), REPORT_PERIOD))

    measured = figure_of(text, "roi")["data"][0]
    item = overall["win_back_discount"]
    at = measured["x"].index("Win-back discount")
    assert item.roi.roi is not None
    assert item.roi_low is not None
    assert item.roi_high is not None
    assert measured["y"][at] == pytest.approx(item.roi.roi)
    assert measured["error_y"]["arrayminus"][at] == pytest.approx(item.roi.roi - item.roi_low)
    assert measured["error_y"]["array"][at] == pytest.approx(item.roi_high - item.roi.roi)
    header = exported[0]
    row = next(row for row in exported[1:] if row[:2] == ["Win-back discount", "All segments"])
    # shares export as percentages, to a tenth
    assert float(row[header.index("ROI, low (95%)")]) == pytest.approx(item.roi_low * 100, abs=0.05)
    assert float(row[header.index("ROI, high (95%)")]) == pytest.approx(item.roi_high * 100, abs=0.05)


def test_the_action_filter_narrows_the_ab_results_in_place(data, analyst_user):
    response = browser_of(analyst_user).get(
        page_url("experiments"), {**REPORT_PERIOD, "action": "personal_call"}, headers=HTMX
    )

    forest = figure_of(response.content.decode(), "ab")
    assert [trace["y"] for trace in forest["data"]] == [[], ["Personal call from support"]]


def test_the_quality_page_shows_runs_calibration_and_drift_bands(data, analyst_user):
    text = browser_of(analyst_user).get(page_url("quality"), REPORT_PERIOD).content.decode()

    quality = figure_of(text, "quality")
    auc = [trace for trace in quality["data"] if trace["visible"]]
    assert [(trace["name"], trace["y"]) for trace in auc] == [
        ("served: our model", [0.74, 0.82]),
        ("recency alone", [0.7, 0.7]),
    ]
    assert [button["label"] for button in quality["layout"]["updatemenus"][0]["buttons"]] == [
        "AUC",
        "Precision",
        "Recall",
        "Brier score",
    ]
    calibration = figure_of(text, "calibration")["data"][1]
    assert (calibration["x"], calibration["y"]) == ([0.1, 0.5, 0.9], [0.12, 0.45, 0.85])
    drift = figure_of(text, "drift")
    assert [shape["x0"] for shape in drift["layout"]["shapes"]] == [0.1, 0.2]
    assert "days_since_last_booking" in drift["data"][0]["y"]
    assert ">act<" in text
    assert ">stable<" in text


def test_the_overview_shows_retention_metrics_and_the_segment_chart(data, analyst_user):
    text = browser_of(analyst_user).get(reverse("analyst:overview")).content.decode()

    assert "Active a month after signup" in text
    assert 'id="chart-segments"' in text
    assert f'href="{csv_url("segments", "segments")}"' in text


def test_the_navigation_lists_the_report_pages(analyst_user):
    text = browser_of(analyst_user).get(page_url("roi")).content.decode()

    for name, label in [("retention", "Retention"), ("experiments", "A/B results"), ("quality", "Model quality")]:
        assert f'<a href="{page_url(name)}">{label}</a>' in text
    assert f'<a href="{page_url("roi")}" aria-current="page">ROI</a>' in text


# --- bad filters and empty periods --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("asked", "said"),
    [
        ({"start": "2025-13-01"}, "From: Date has wrong format"),
        ({"start": "2025-03-01", "end": "2025-01-01"}, "To: The period ends before it starts."),
        ({"start": "0001-01-01"}, "From: 0001-01-01 is outside the dates the data can hold"),
        ({"segment": "vip"}, "Segment: &quot;vip&quot; is not a valid choice."),
        ({"city": "paris"}, "City: &quot;paris&quot; is not a valid choice."),
        ({"area": "x" * 61}, "Area: Ensure this field has no more than 60 characters."),
    ],
)
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_bad_filters_say_what_is_wrong_with_a_400(analyst_user, asked, said, htmx):
    response = browser_of(analyst_user).get(page_url("retention"), asked, headers=HTMX if htmx else {})

    text = response.content.decode()
    assert response.status_code == 400
    assert "These filters cannot be shown" in text
    assert said in text
    assert 'data-chart="' not in text
    assert ("<html" in text) is not htmx


@pytest.mark.parametrize(
    ("asked", "said"),
    [
        ({"start": "2025-13-01"}, "তারিখের ফরম্যাট ভুল"),
        ({"start": "2025-03-01", "end": "2025-01-01"}, "সময়কালটি শুরু হওয়ার আগেই শেষ হয়ে যায়।"),
        ({"start": "0001-01-01"}, "০০০১-০১-০১ তারিখটি ডেটার সীমার বাইরে"),
        ({"city": "paris"}, "&quot;paris&quot; বৈধ কোনো বিকল্প নয়।"),
        ({"area": "x" * 61}, "এই ঘরে ৬০টির বেশি অক্ষর দেওয়া যাবে না।"),
    ],
)
def test_in_bengali_bad_filters_are_explained_in_bengali(analyst_user, asked, said):
    client = browser_of(analyst_user)
    client.post(reverse("language"), {"language": "bn"})

    response = client.get(page_url("retention"), asked, headers=HTMX)

    assert response.status_code == 400
    assert said in response.content.decode()


def test_an_unknown_action_is_refused_where_the_page_filters_by_action(analyst_user):
    response = browser_of(analyst_user).get(page_url("roi"), {"action": "free_money"}, headers=HTMX)

    assert response.status_code == 400
    assert "Action: &quot;free_money&quot; is not a valid choice." in response.content.decode()


def test_blank_filters_are_left_out_rather_than_refused(data, analyst_user):
    # given: the form sends every field, the ones not chosen empty
    asked = {**REPORT_PERIOD, "city": "", "area": " ", "segment": ""}

    response = browser_of(analyst_user).get(page_url("retention"), asked, headers=HTMX)

    assert response.status_code == 200


def test_a_bad_filter_on_a_csv_is_a_400_with_the_reason(analyst_user):
    response = browser_of(analyst_user).get(csv_url("retention", "retention"), {"end": "yesterday"})

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert response.content.decode().startswith("To: Date has wrong format")


@pytest.mark.parametrize("report", PAGES)
def test_an_empty_period_says_there_is_no_data_instead_of_an_empty_chart(data, analyst_user, report):
    # when: a period before anything happened
    response = browser_of(analyst_user).get(page_url(report), {"start": "2020-01-01", "end": "2020-03-31"})

    # then
    text = response.content.decode()
    assert response.status_code == 200
    assert text.count("No data for this period.") == len(PAGES[report])
    assert 'data-chart="' not in text


def test_an_unknown_chart_has_no_csv(analyst_user):
    assert browser_of(analyst_user).get(csv_url("retention", "ab")).status_code == 404


# --- CSV ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("report", "chart"), EXPORTS)
def test_every_chart_exports_its_table_as_csv_with_a_bom_and_the_period_in_its_name(data, analyst_user, report, chart):
    # when
    response = browser_of(analyst_user).get(csv_url(report, chart), REPORT_PERIOD)

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{chart}_2025-01-01_2025-03-31.csv"'
    assert response.content.startswith(b"\xef\xbb\xbf")
    header, *rows = rows_of(response)
    assert header
    assert rows


def test_the_retention_csv_holds_the_selectors_numbers(data, analyst_user):
    # given
    report = retention_report(Q1)

    # when
    rows = rows_of(browser_of(analyst_user).get(csv_url("retention", "retention"), REPORT_PERIOD))

    # then: the same rows, shares as the percentages the screen shows
    assert rows == [["Month", "Customers active", "Active again the next month", "Retention rate"]] + [
        [row.month.strftime("%Y-%m"), str(row.active), str(row.retained), as_percent(row.rate)] for row in report.months
    ]
    assert rows[1] == ["2025-01", "4", "2", "50.0"]


def test_the_ab_csv_holds_the_interval_p_value_and_flag(data, analyst_user):
    # given
    results = {(result.action, result.segment): result for result in roi_report(Q1).ab}
    win_back = results[("win_back_discount", "")]

    # when
    header, *rows = rows_of(browser_of(analyst_user).get(csv_url("experiments", "ab"), REPORT_PERIOD))

    # then
    row = dict(zip(header, next(r for r in rows if r[:2] == ["Win-back discount", "All segments"]), strict=True))
    assert row["Proposed"] == "30"
    assert row["Control"] == "30"
    assert row["Difference (intent to treat)"] == as_percent(win_back.test.difference) == "33.3"
    assert row["Interval low (95%)"] == as_percent(win_back.test.low)
    assert row["Interval high (95%)"] == as_percent(win_back.test.high)
    assert win_back.test.p_value is not None
    assert row["p-value"] == str(round(win_back.test.p_value, 4))
    assert row["Sample"] == "Enough data"
    call = dict(zip(header, next(r for r in rows if r[0] == "Personal call from support"), strict=True))
    assert call["Sample"] == "Too small to say"


def test_the_movement_csv_lists_who_moved(data, analyst_user):
    # given
    report = segments_report(Q1)

    rows = rows_of(browser_of(analyst_user).get(csv_url("segments", "segments-movement"), REPORT_PERIOD))

    assert report.segments.movement[0].flows == {"high_value_loyal": {"at_risk": 1}}
    assert rows == [
        ["From month end", "To month end", "From segment", "To segment", "Customers"],
        ["2025-01-31", "2025-02-28", "High-Value Loyal", "At-Risk", "1"],
    ]


def test_the_transitions_csv_is_the_whole_matrix_stayers_included(data, analyst_user):
    browser = browser_of(analyst_user)

    rows = rows_of(browser.get(csv_url("segments", "segments-transitions"), REPORT_PERIOD))
    heat = figure_of(browser.get(page_url("segments"), REPORT_PERIOD).content.decode(), "segments-transitions")

    # then: the one customer moved from High-Value Loyal to At-Risk by February's end and stayed to March 10
    # (the period's last day), in a matrix over both states in the segments' usual order
    assert rows == [
        ["From segment", "To High-Value Loyal", "To At-Risk", "Customers"],
        ["High-Value Loyal", "0", "1", "1"],
        ["At-Risk", "0", "1", "1"],
    ]
    (trace,) = heat["data"]
    assert (trace["x"], trace["y"]) == (["High-Value Loyal", "At-Risk"], ["High-Value Loyal", "At-Risk"])
    assert trace["z"] == [[0.0, 1.0], [0.0, 1.0]]


def test_the_csv_neutralises_a_text_cell_a_spreadsheet_would_run(analyst_user):
    # given: a model version named like a formula
    from predictions.models import ModelKind, ModelPerformance

    ModelPerformance.objects.create(
        model_kind=ModelKind.CHURN,
        model_version="=HYPERLINK(1)",
        as_of=dt.date(2025, 1, 10),
        metrics={"served": "model", "served_metrics": {"auc_roc": 0.8}},
    )

    header, row = rows_of(browser_of(analyst_user).get(csv_url("quality", "quality"), REPORT_PERIOD))

    assert row[0] == "'=HYPERLINK(1)"
    assert row[header.index("AUC")] == "0.8"


def test_the_csv_speaks_the_viewers_language(data, analyst_user):
    # given
    client = browser_of(analyst_user)
    client.post(reverse("language"), {"language": "bn"})

    # when
    rows = rows_of(client.get(csv_url("experiments", "ab"), REPORT_PERIOD))

    # then: headers and labels in Bengali, numbers as numbers a spreadsheet can add up
    assert rows[0][0] == "পদক্ষেপ"
    assert rows[1][0] == "সাপোর্ট টিমের ব্যক্তিগত ফোন"
    assert rows[1][2] == "1"


def test_a_page_in_bengali_has_bengali_digits(data, analyst_user):
    client = browser_of(analyst_user)
    client.post(reverse("language"), {"language": "bn"})

    text = client.get(page_url("retention"), REPORT_PERIOD).content.decode()

    assert "৫০.০%" in text
    assert normalize("NFC", "জানুয়ারি ২০২৫") in normalize("NFC", text)
