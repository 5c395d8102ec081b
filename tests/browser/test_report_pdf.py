"""An analyst downloads the management report in a real browser, in Bengali after switching language."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from analytics.tests.report_data import report_history
from analytics.tests.reports.pdf import pdf_text
from tests.browser.test_analyst_portal import log_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_an_analyst_downloads_the_report_in_bengali(page: Page, live_server, analyst_user, tmp_path: Path):
    # given
    report_history()
    log_in(page, live_server.url, analyst_user.username)

    # when: switching to Bengali and opening the report from the overview
    page.get_by_role("button", name="বাংলা").click()
    page.get_by_role("link", name="ব্যবস্থাপনা রিপোর্ট ডাউনলোড করুন (পিডিএফ)").click()
    expect(page.get_by_role("heading", name="ব্যবস্থাপনা রিপোর্ট", exact=True)).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("button", name="পিডিএফ ডাউনলোড করুন").click()

    # then: a PDF of the default period (the year up to the last booking, March 10, 2025), in Bengali
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == "sheba-retention-report-2024-04-01-2025-03-10.pdf"
    text = pdf_text(saved.read_bytes())
    assert "প্রধান সংখ্যা" in text  # "Headline figures"
    assert "৫০.০%" in text  # retention month to month: 6 of 12
    assert "০.৮১২" in text  # the churn model's AUC
    assert "Headline figures" not in text
