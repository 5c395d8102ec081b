"""Benchmark: the management PDF report (analytics/reports.py) built over whatever database is configured, as the
analyst portal builds it: the figures (cold, then from the cache the nightly run keys), then WeasyPrint's rendering.

Reads only. Uses DATABASE_URL when it is set, otherwise the demo's SQLite file (`make demo` fills it). Target: the
whole report in under 10 s (MISSION.md) on the demo data and at 100k customers.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 10.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--language", choices=["en", "bn"], default="bn")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench-report.pdf", help="where the PDF is written")
    args = parser.parse_args()

    # The demo's settings, as `make demo` serves the portal: the stylesheet is read from static/, no collectstatic.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sheba_retention.settings.local")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.cache import cache
    from django.db import connection

    from analytics.reports import management_report_build, management_report_pdf, pdf_engine_problem
    from analytics.selectors import AnalyticsFilters
    from customers.models import Booking, Customer

    problem = pdf_engine_problem()
    if problem:
        sys.exit(problem)
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    print(f"customers: {Customer.objects.count():,}  bookings: {Booking.objects.count():,}")
    cache.clear()

    timings = {}
    started = time.perf_counter()
    report = management_report_build(filters=AnalyticsFilters(), language=args.language)
    timings["figures, cold"] = time.perf_counter() - started
    started = time.perf_counter()
    management_report_build(filters=AnalyticsFilters(), language=args.language)
    timings["figures, cached"] = time.perf_counter() - started
    started = time.perf_counter()
    content = management_report_pdf(report=report)
    timings["rendering"] = time.perf_counter() - started

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(content)
    print(f"period: {report.period.start} to {report.period.end}, {len(content) / 1024:.0f} KiB → {args.out}")
    for name, seconds in timings.items():
        print(f"{name:>16}: {seconds:6.2f} s")
    cold = timings["figures, cold"] + timings["rendering"]
    warm = timings["figures, cached"] + timings["rendering"]
    verdict = "ok" if cold < TARGET_SECONDS else "TOO SLOW"
    print(f"{'report, cold':>16}: {cold:6.2f} s  (warm {warm:.2f} s; target < {TARGET_SECONDS:.0f} s) {verdict}")


if __name__ == "__main__":
    main()
