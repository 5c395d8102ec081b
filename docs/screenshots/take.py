"""Screenshots of the running demo for the README: the login page, then every page in the analyst's navigation.

    make demo                                    # in one terminal: serves http://127.0.0.1:8000
    .venv/bin/python docs/screenshots/take.py --password <the analyst's password make demo printed>

Drives Debian's Chromium (/usr/bin/chromium) with Playwright, as the browser tests do; writes docs/screenshots/*.png
(1280 px wide, the whole page). `--language bn` takes them in Bengali.
"""

import argparse
import re
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))
from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402


def slug(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.strip("/").lower()).strip("-") or "overview"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--site", default="http://127.0.0.1:8000")
    parser.add_argument("--username", default="analyst")
    parser.add_argument("--password", required=True)
    parser.add_argument("--language", choices=["en", "bn"], default="en")
    args = parser.parse_args()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(f"{args.site}/login/")
        page.screenshot(path=HERE / "login.png")
        page.get_by_label("Username").fill(args.username)
        page.get_by_label("Password").fill(args.password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(lambda url: "/login/" not in url)
        if args.language == "bn":
            page.get_by_role("button", name="বাংলা").click()
            page.wait_for_load_state("networkidle")
        suffix = "" if args.language == "en" else "-bn"
        links = page.locator("nav a[href^='/analyst/']")
        paths = list(dict.fromkeys(links.nth(i).get_attribute("href") or "" for i in range(links.count())))
        for path in paths:
            page.goto(f"{args.site}{path}")
            page.wait_for_load_state("networkidle")
            target = HERE / f"{slug(path.removeprefix('/analyst'))}{suffix}.png"
            page.screenshot(path=target, full_page=True)
            print(f"{path} → {target.relative_to(HERE.parent.parent)}")
        browser.close()


if __name__ == "__main__":
    main()
