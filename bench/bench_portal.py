"""Benchmark: server time of every analyst portal page, fragment and export, cold and warm, beside its bare SQL.

Every URL of the analyst portal (analytics/urls.py) is asked for in process (Django's test client, as an analyst):
the page, its htmx fragment where it has one (the same URL with HX-Request), and with a city filter. Each one
three times: cold (the cache emptied first, as after a nightly run), then warm (the reports cached). Beside it, the
SELECTs the cold request ran, run again bare on the same connection: what the database alone costs.

On the demo (`make demo`, SQLite, 20k customers):            cd bench && ../.venv/bin/python bench_portal.py --demo
On the benchmark database (bench_data.py + bench_ml.py):       cd bench && ../.venv/bin/python bench_portal.py
Targets (issue #11): on the demo no page over 300 ms; on PostgreSQL at 100k customers no page over 1 s cold and
100 ms warm, and the PDF report under 10 s.
"""

import argparse
import os
import re
import statistics
import sys
import time
from dataclasses import dataclass
from html import unescape
from pathlib import Path

from bench_data import DEFAULT_URL, log, setup_django

ROOT = Path(__file__).resolve().parent.parent
DEMO_TARGET_MS = 300.0
COLD_TARGET_MS = 1000.0
WARM_TARGET_MS = 100.0
PDF_TARGET_MS = 10_000.0


@dataclass
class Figure:
    name: str
    status: int
    cold_ms: float
    warm_ms: float
    queries: int
    bare_ms: float


def is_pdf(url: str) -> bool:
    return "pdf" in url.split("?")[0]


def portal_urls(client, customer_id: str) -> list[tuple[str, dict]]:
    """(url, extra headers) for every analyst URL: each page, its fragment and a filtered variant, and every CSV the
    pages link to (a chart's CSV is named by the chart, which only the page knows)."""
    from django.urls import URLPattern, reverse

    from analytics import urls

    asked: list[tuple[str, dict]] = []
    for pattern in urls.urlpatterns:
        if not isinstance(pattern, URLPattern) or not pattern.name:
            continue
        converters = pattern.pattern.converters
        if "chart" in converters:
            continue  # found on its page below
        url = reverse(f"analyst:{pattern.name}", kwargs={name: customer_id for name in converters})
        asked.append((url, {}))
        if not converters:
            asked.append((f"{url}?city=dhaka", {}))
            if not is_pdf(url):
                asked.append((f"{url}?city=dhaka", {"HTTP_HX_REQUEST": "true"}))
    pages = [url for url, headers in asked if not headers and "?" not in url and not is_pdf(url)]
    for page in pages:
        html = client.get(page).content.decode()
        asked += [
            (unescape(link), {}) for link in dict.fromkeys(re.findall(r'href="(/analyst/[^"]+\.csv[^"]*)"', html))
        ]
    return asked


def bare_sql_ms(queries: list[dict]) -> float:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        for query in queries:
            if query["sql"].lstrip().upper().startswith("SELECT"):
                # The logged SQL has its parameters written in (exactly on PostgreSQL, closely enough on SQLite).
                cursor.execute(query["sql"])
                cursor.fetchall()
    return (time.perf_counter() - started) * 1000


def measure(client, url: str, headers: dict, repeats: int) -> Figure:
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        response = client.get(url, **headers)
        cold = (time.perf_counter() - started) * 1000
    queries = list(captured.captured_queries)  # read now: it is a slice of the log the next request clears
    warm = []
    for _ in range(1 if is_pdf(url) else repeats):
        started = time.perf_counter()
        client.get(url, **headers)
        warm.append((time.perf_counter() - started) * 1000)
    name = url + ("  (htmx fragment)" if headers else "")
    return Figure(name, response.status_code, cold, statistics.median(warm), len(queries), bare_sql_ms(queries))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--demo", action="store_true", help="the demo's database (db.sqlite3 or DATABASE_URL)")
    parser.add_argument("--repeats", type=int, default=5, help="warm requests per URL (the median is printed)")
    args = parser.parse_args()

    if args.demo:
        setup_django(os.environ.get("DATABASE_URL", f"sqlite:///{ROOT / 'db.sqlite3'}"))
    else:
        os.environ.setdefault("MODEL_ARTIFACTS_DIR", str(ROOT / "var" / "bench-models"))
        setup_django(os.environ.get("DATABASE_URL", DEFAULT_URL))
    import logging

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count
    from django.test import Client

    from accounts.roles import ANALYSTS
    from customers.models import Customer

    logging.disable(logging.INFO)  # one request line per request would be timed too
    call_command("collectstatic", interactive=False, verbosity=0)  # DEBUG off: pages link the hashed files
    user, _ = get_user_model().objects.get_or_create(username="bench-analyst", defaults={"is_staff": True})
    user.groups.set([Group.objects.get(name=ANALYSTS)])
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    customers = Customer.objects.count()
    story = Customer.objects.annotate(n=Count("bookings")).order_by("-n").values_list("external_id", flat=True)[:1]
    if not story:
        sys.exit("no customers: run `make demo` (with --demo) or bench_data.py first")
    log(f"{connection.vendor}, {customers:,} customers; warming up")
    client.get("/analyst/")

    figures = [measure(client, url, headers, args.repeats) for url, headers in portal_urls(client, story[0])]

    print()
    print(f"{'':<58}{'status':>7}{'cold ms':>10}{'warm ms':>10}{'queries':>9}{'bare SQL ms':>13}")
    for figure in figures:
        print(
            f"{figure.name:<58}{figure.status:>7}{figure.cold_ms:>10.1f}{figure.warm_ms:>10.1f}"
            f"{figure.queries:>9}{figure.bare_ms:>13.1f}"
        )
    print()
    failed = [figure for figure in figures if figure.status >= 400]
    pages = [figure for figure in figures if not is_pdf(figure.name)]
    pdfs = [figure for figure in figures if is_pdf(figure.name)]
    print(f"{len(failed)} of {len(figures)} URLs answered 4xx/5xx  {'PASS' if not failed else 'FAIL'}")
    worst_cold = max(figure.cold_ms for figure in pages)
    worst_warm = max(figure.warm_ms for figure in pages)
    if args.demo:
        print(f"target every page < {DEMO_TARGET_MS:.0f} ms on the demo: {worst_cold:.0f} ms  ", end="")
        print("PASS" if worst_cold < DEMO_TARGET_MS else "FAIL")
    else:
        print(f"target every page < {COLD_TARGET_MS:.0f} ms cold: {worst_cold:.0f} ms  ", end="")
        print("PASS" if worst_cold < COLD_TARGET_MS else "FAIL")
        print(f"target every page < {WARM_TARGET_MS:.0f} ms warm: {worst_warm:.0f} ms  ", end="")
        print("PASS" if worst_warm < WARM_TARGET_MS else "FAIL")
    for figure in pdfs:
        print(f"target the PDF report < {PDF_TARGET_MS / 1000:.0f} s: {figure.cold_ms / 1000:.1f} s  ", end="")
        print("PASS" if figure.cold_ms < PDF_TARGET_MS else "FAIL")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
