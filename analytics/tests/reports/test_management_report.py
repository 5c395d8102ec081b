"""The management report: its figures on a small hand-made history, in English and Bengali, on no data at all, a
table long enough to break across pages, and the only files it may load."""

import datetime as dt
from unicodedata import normalize

import pytest
from django.core.management import call_command

from analytics.reports import (
    REPORT_ORIGIN,
    _static_file,
    management_report_build,
    management_report_pdf,
    pdf_engine_problem,
)
from analytics.selectors import AnalyticsFilters
from analytics.tests.report_data import PERIOD, report_history
from analytics.tests.reports.pango import without_pango
from analytics.tests.reports.pdf import pdf_pages, pdf_text
from predictions.models import ModelKind, ModelPerformance

pytestmark = pytest.mark.django_db


def test_the_report_in_english_states_the_period_the_headline_figures_and_every_section():
    # given
    report_history()

    # when
    report = management_report_build(filters=PERIOD, language="en")
    text = pdf_text(management_report_pdf(report=report))

    # then: the period, and the headline figures of report_history's docstring
    assert report.period_text == "Jan. 1, 2025 to April 30, 2025"
    assert [(item.label, item.value) for item in report.headlines] == [
        ("Retention month to month", "50.0%"),
        ("New customers", "6"),
        ("Revenue recovered", "Tk 0"),
        # 4 proposed against 2 held out: too few to credit the interventions with anyone (the ROI section has them)
        ("Customers won by interventions", "–"),
        ("Churn model AUC", "0.812"),
    ]
    assert "Jan. 1, 2025 to April 30, 2025" in text
    assert "6 of 12 active customer-months" in text
    for title in (
        "Headline figures",
        "Retention over time",
        "Retention curve",
        "Signup cohorts",
        "A/B results",
        "Return on each action",
        "Revenue recovered",
        "Segment movement",
        "Loyalty tier movement",
        "Model quality",
    ):
        assert title in text
    # the numbers under the charts: January's retention, the cohort heatmap's row, the win-back A/B row
    assert report.retention.rows[0] == ["January 2025", "4", "3", "75.0%"]
    assert [cell.text for cell in report.cohorts[0].cells] == ["100%", "75%", "50%", "0%"]
    assert report.ab.rows[-1][:5] == ["Win-back discount", "All segments", "3 / 4", "1 / 2", "+25.0 pp"]
    # the whole from → to matrix of segments: the mover stayed High-Value Loyal a month, moved, then stayed At-Risk
    assert report.segment_moves.header == ["From ↓ · a month later →", "High-Value Loyal", "At-Risk", "Customers"]
    assert report.segment_moves.rows == [["High-Value Loyal", "1", "1", "2"], ["At-Risk", "0", "1", "1"]]


def test_the_report_in_bengali_has_bengali_digits_and_bengali_titles():
    # given
    report_history()

    # when
    report = management_report_build(filters=PERIOD, language="bn")
    text = pdf_text(management_report_pdf(report=report))

    # then
    # (Django writes য় as য + nukta; NFC compares it with the precomposed letter typed here)
    assert normalize("NFC", report.period_text) == normalize("NFC", "১ জানুয়ারি, ২০২৫ থেকে ৩০ এপ্রিল, ২০২৫")
    assert [item.value for item in report.headlines] == ["৫০.০%", "৬", "৳০", "–", "০.৮১২"]
    assert "৫০.০%" in text
    assert "০.৮১২" in text
    assert "২০২৫" in text
    assert "প্রধান সংখ্যা" in text  # "Headline figures"
    assert "Retention over time" not in text


def test_a_period_without_data_is_a_valid_pdf_that_says_so():
    # when
    report = management_report_build(filters=PERIOD, language="en")
    content = management_report_pdf(report=report)

    # then
    text = pdf_text(content)
    assert "No data for this period." in text
    assert "no data in this period" in text
    assert [item.value for item in report.headlines] == ["–", "0", "–", "–", "–"]
    assert (report.retention.chart, report.ab.chart, report.quality.chart) == (None, None, None)


def test_a_long_table_breaks_across_pages_with_its_header_on_each():
    # given: 80 training runs, one a day
    metrics = {"served": "model", "served_metrics": {"auc_roc": 0.8}, "calibration": {}}
    for day in range(80):
        ModelPerformance.objects.create(
            model_kind=ModelKind.CHURN,
            model_version=f"churn-{day}",
            as_of=dt.date(2025, 1, 1) + dt.timedelta(days=day),
            n_holdout=100,
            metrics=metrics,
        )

    # when
    pages = pdf_pages(management_report_pdf(report=management_report_build(filters=PERIOD, language="en")))

    # then: the runs' table spans pages, and each of them repeats its header
    with_runs = [page for page in pages if "churn-" in page]
    assert len(pages) > 3
    assert len(with_runs) >= 2
    assert all("Trained as of" in page for page in with_runs)


def test_the_filters_are_written_on_the_cover():
    report = management_report_build(
        filters=AnalyticsFilters(start=PERIOD.start, end=PERIOD.end, city="sylhet", action="personal_call"),
        language="en",
    )

    assert report.filters_text == ["City: Sylhet", "Action: Personal call from support"]


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/static/css/report.css",
        f"{REPORT_ORIGIN}/media/upload.css",
        f"{REPORT_ORIGIN}/static/../manage.py",
        f"{REPORT_ORIGIN}/static/css/missing.css",
        "file:///etc/passwd",
    ],
)
def test_the_report_may_load_nothing_but_the_projects_static_files(url):
    assert _static_file(url) is None


def test_the_reports_stylesheet_is_one_of_the_static_files():
    found = _static_file(f"{REPORT_ORIGIN}/static/css/report.css")

    assert found is not None
    assert found.endswith("static/css/report.css")


def test_without_pango_the_report_says_what_to_install(monkeypatch, capsys):
    # given
    without_pango(monkeypatch)

    # when
    problem = pdf_engine_problem()
    call_command("pdf_report_check")

    # then
    assert "apt-get install libpango-1.0-0 libpangoft2-1.0-0 fonts-beng" in problem
    assert "libpango-1.0-0: cannot open shared object file" in problem
    assert "apt-get install libpango-1.0-0" in capsys.readouterr().out


def test_with_pango_the_check_says_pdf_reports_work(capsys):
    call_command("pdf_report_check")

    assert pdf_engine_problem() == ""
    assert "PDF reports: WeasyPrint and Pango are ready" in capsys.readouterr().out
