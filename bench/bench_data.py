"""Benchmark on PostgreSQL: generate_data at 100k customers × 3 years, then CSV export and re-import of the bookings."""

import argparse
import cProfile
import datetime
import functools
import io
import os
import platform
import pstats
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

import numpy as np
import psycopg2
from psycopg2 import sql

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/sheba_bench"
END_DATE = datetime.date(2026, 10, 31)
GENERATE_TARGET = 10_000  # rows/s end to end (MISSION.md)
IMPORT_TARGET = 120.0  # seconds for 1M booking rows
# The data the benchmark owns; TRUNCATE ... CASCADE also empties whatever references them (scores, offers...).
DATA_TABLES = [
    "customers_booking",
    "customers_complaint",
    "customers_competitorsearch",
    "customers_customer",
    "customers_provider",
]
STARTED = time.perf_counter()


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if len(values) else float("nan")


def log(message: str) -> None:
    print(f"[{time.perf_counter() - STARTED:7.1f}s] {message}", flush=True)


# ---------------------------------------------------------------------------------------------------------------
# Database handling: our own database, never test or test_*
# ---------------------------------------------------------------------------------------------------------------
def connect_kwargs(url: str, dbname: str | None = None) -> dict:
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        sys.exit(f"DATABASE_URL must be a PostgreSQL URL (postgres://...), not {parts.scheme}://")
    return {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 5432,
        "user": unquote(parts.username or "postgres"),
        "password": unquote(parts.password or "") or None,
        "dbname": dbname or unquote(parts.path.lstrip("/")),
    }


def check_name(name: str) -> None:
    if not name or name == "test" or name.startswith("test_") or "bench" not in name:
        sys.exit(
            f"refusing to use database {name!r}: the benchmark drops and empties its database, so its name must "
            "contain 'bench' (and never be test or test_*); e.g. DATABASE_URL=postgres://postgres@127.0.0.1/sheba_bench"
        )


def prepare_database(url: str, *, keep: bool) -> None:
    """Drop and recreate the benchmark database (or, with keep, only create it when missing)."""
    name = connect_kwargs(url)["dbname"]
    check_name(name)
    admin = psycopg2.connect(**connect_kwargs(url, dbname="postgres"))
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            exists = cursor.fetchone() is not None
            if exists and not keep:
                log(f"dropping database {name}")
                cursor.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
                exists = False
            if not exists:
                log(f"creating database {name}")
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        admin.close()


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "sheba_retention.settings.local"
    os.environ["DJANGO_DEBUG"] = "False"  # no query log: measure what production runs
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def truncate_data() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        tables = sql.SQL(", ").join(sql.Identifier(table) for table in DATA_TABLES)
        cursor.execute(sql.SQL("TRUNCATE {} RESTART IDENTITY CASCADE").format(tables).as_string(cursor.cursor))


# ---------------------------------------------------------------------------------------------------------------
# Timing helpers
# ---------------------------------------------------------------------------------------------------------------
@dataclass
class Row:
    stage: str
    rows: int
    seconds: float
    baseline: float | None = None

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


class Phases:
    """Wall time of named module functions while a stage runs (wrappers are removed afterwards)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    @contextmanager
    def watch(self, module, names: list[str], key: Callable[..., str] | None = None) -> Iterator["Phases"]:
        originals = {name: getattr(module, name) for name in names}

        def timed(name: str, function: Callable) -> Callable:
            @functools.wraps(function)
            def wrapper(*args, **kwargs):
                started = time.perf_counter()
                try:
                    return function(*args, **kwargs)
                finally:
                    label = key(name, *args, **kwargs) if key else name
                    self.seconds[label] += time.perf_counter() - started

            return wrapper

        for name, function in originals.items():
            setattr(module, name, timed(name, function))
        try:
            yield self
        finally:
            for name, function in originals.items():
                setattr(module, name, function)

    def report(self, total: float) -> None:
        for name, seconds in sorted(self.seconds.items(), key=lambda item: -item[1]):
            print(f"      {name:<40} {seconds:8.2f} s  {seconds / total:6.1%}")
        rest = total - sum(self.seconds.values())
        print(f"      {'rest (commit, deferred FK checks, glue)':<40} {rest:8.2f} s  {rest / total:6.1%}")


T = TypeVar("T")


def timed(function: Callable[..., T], *args: Any, **kwargs: Any) -> tuple[T, float]:
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - started


# ---------------------------------------------------------------------------------------------------------------
# Stages
# ---------------------------------------------------------------------------------------------------------------
def generate(n_customers: int, years: float, seed: int) -> tuple[list[Row], int]:
    from django.db import transaction

    from customers.models import Customer
    from customers.services import synthetic_load
    from customers.synthetic.simulate import n_days, simulate

    if Customer.objects.exists():
        truncate_data()
    total_days = n_days(years)
    done = {"days": 0, "next": 0.25}

    def progress(days: int) -> None:
        done["days"] += days
        if done["days"] / total_days >= done["next"]:
            log(f"  simulated {done['days']:,}/{total_days:,} days")
            done["next"] += 0.25

    log(f"generate: simulating {n_customers:,} customers × {years:g} years (seed {seed}, ending {END_DATE})")
    data, simulate_s = timed(
        simulate, n_customers=n_customers, years=years, seed=seed, end_date=END_DATE, progress=progress
    )
    log(f"generate: simulated in {simulate_s:.1f} s; writing in one transaction")
    phases = Phases()
    started = time.perf_counter()
    with phases.watch(synthetic_load, ["bulk_insert", "_booking_ids"], key=_bulk_key):
        with transaction.atomic():
            result = synthetic_load.synthetic_data_load(data=data)
    write_s = time.perf_counter() - started
    rows = result.providers + result.customers + result.bookings + result.complaints + result.competitor_searches
    log(
        f"generate: wrote {result.providers:,} providers, {result.customers:,} customers, {result.bookings:,} "
        f"bookings, {result.complaints:,} complaints, {result.competitor_searches:,} competitor searches "
        f"in {write_s:.1f} s"
    )
    print("    write breakdown:")
    phases.report(write_s)
    return [
        Row("generate: simulate()", rows, simulate_s),
        Row("generate: write (load + commit)", rows, write_s),
        Row("generate end to end", rows, simulate_s + write_s, baseline=simulate_s),
    ], result.bookings


def _bulk_key(name: str, *args, **kwargs) -> str:
    return f"bulk_insert {kwargs['model'].__name__}" if name == "bulk_insert" else name


def export(workdir: Path) -> tuple[list[Row], Path, Path, int, int]:
    from customers.exports import BOOKING_EXPORT_COLUMNS, CUSTOMER_EXPORT_COLUMNS, booking_rows, customer_rows
    from sheba_retention.common.csvfiles import write_csv

    customers_csv, bookings_csv = workdir / "customers.csv", workdir / "bookings.csv"
    log(f"export: customers to {customers_csv}")
    with customers_csv.open("w", newline="", encoding="utf-8") as handle:
        n_customers, customers_s = timed(write_csv, handle, CUSTOMER_EXPORT_COLUMNS, customer_rows())
    log(f"export: bookings to {bookings_csv}")
    with bookings_csv.open("w", newline="", encoding="utf-8") as handle:
        n_bookings, bookings_s = timed(write_csv, handle, BOOKING_EXPORT_COLUMNS, booking_rows())
    size = bookings_csv.stat().st_size / 1e6
    log(
        f"export: {n_customers:,} customers in {customers_s:.1f} s, "
        f"{n_bookings:,} bookings ({size:.0f} MB) in {bookings_s:.1f} s"
    )
    rows = [
        Row("export customers (CSV)", n_customers, customers_s),
        Row("export bookings (CSV)", n_bookings, bookings_s),
    ]
    return rows, customers_csv, bookings_csv, n_customers, n_bookings


def copy_baselines(url: str) -> dict[str, float]:
    """Bare psycopg2 COPY of the tables' own rows (pre-built CSV buffers) into look-alike tables, committed."""
    results = {}
    connection = psycopg2.connect(**connect_kwargs(url))
    try:
        for table, label in (("customers_customer", "customers"), ("customers_booking", "bookings")):
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = %s AND column_name <> 'id' "
                    "ORDER BY ordinal_position",
                    [table],
                )
                columns = sql.SQL(", ").join(sql.Identifier(row[0]) for row in cursor.fetchall())
                buffer = io.StringIO()
                query = sql.SQL("COPY (SELECT {} FROM {} ORDER BY id) TO STDOUT WITH (FORMAT csv)")
                cursor.copy_expert(query.format(columns, sql.Identifier(table)), buffer)
            connection.commit()
            log(f"baseline: COPY of {label} ({buffer.tell() / 1e6:.0f} MB buffer)")
            for variant, create in (
                ("bare", "CREATE TEMP TABLE {} (LIKE {} INCLUDING DEFAULTS INCLUDING IDENTITY)"),
                ("indexed", "CREATE UNLOGGED TABLE {} (LIKE {} INCLUDING ALL)"),
            ):
                copy_table = sql.Identifier(f"bench_copy_{label}_{variant}")
                with connection.cursor() as cursor:
                    cursor.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(copy_table))
                    cursor.execute(sql.SQL(create).format(copy_table, sql.Identifier(table)))
                connection.commit()
                buffer.seek(0)
                started = time.perf_counter()
                with connection.cursor() as cursor:
                    copy_in = sql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT csv)").format(copy_table, columns)
                    cursor.copy_expert(copy_in, buffer)
                connection.commit()
                results[f"{label} {variant}"] = time.perf_counter() - started
                with connection.cursor() as cursor:
                    cursor.execute(sql.SQL("DROP TABLE {}").format(copy_table))
                connection.commit()
    finally:
        connection.close()
    return results


def read_csv_baseline(path: Path) -> float:
    import pandas as pd

    started = time.perf_counter()
    pd.read_csv(path, dtype=str, keep_default_na=False)
    return time.perf_counter() - started


def import_files(customers_csv: Path, bookings_csv: Path, *, profile: bool) -> tuple[list[Row], dict]:
    from customers.models import Booking, Customer
    from customers.services import booking_import, customer_import

    log("import: emptying the customer tables (TRUNCATE ... CASCADE)")
    truncate_data()

    log(f"import: customers from {customers_csv.name}")
    phases = Phases()
    with phases.watch(customer_import, ["read_csv", "_clean", "_create", "_update"]):
        imported, customers_s = timed(customer_import.customers_import, source=customers_csv)
    log(f"import: customers in {customers_s:.1f} s: {imported.summary()}")
    phases.report(customers_s)
    rows = [Row("import customers", imported.rows, customers_s)]

    steps = [
        "read_csv",
        "_clean",
        "_drop_repeats",
        "_customer_ids",
        "_create_missing_customers",
        "_resolve_services",
        "_resolve_providers",
        "_existing_bookings",
        "_insert",
        "_update",
        "_insert_complaints",
        "_pull_back_joined_at",
    ]
    results = {}
    for attempt, label in ((1, "import bookings"), (2, "re-import bookings (same file)")):
        log(f"{label}: {bookings_csv.name}")
        phases = Phases()
        profiler = cProfile.Profile() if profile else None
        with phases.watch(booking_import, steps):
            if profiler:
                profiler.enable()
            result, seconds = timed(booking_import.bookings_import, source=bookings_csv)
            if profiler:
                profiler.disable()
        log(f"{label} in {seconds:.1f} s: {result.summary()}")
        phases.report(seconds)
        if profiler:
            stats = pstats.Stats(profiler, stream=sys.stdout).strip_dirs()
            stats.sort_stats("cumulative").print_stats(30)
            stats.sort_stats("tottime").print_stats(15)
        rows.append(Row(label, result.rows, seconds))
        results[attempt] = result
    if results[2].created:
        log(f"WARNING: the re-import created {results[2].created:,} bookings; it must create 0")
    counts = {"customers": Customer.objects.count(), "bookings": Booking.objects.count()}
    log(f"import: the database now holds {counts['customers']:,} customers and {counts['bookings']:,} bookings")
    return rows, {"first": results[1], "second": results[2], **counts}


# ---------------------------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------------------------
def print_table(rows: list[Row]) -> None:
    header = f"{'stage':<38} {'rows':>11} {'seconds':>9} {'rows/s':>10} {'baseline s':>11} {'overhead ×':>11}"
    print()
    print(header)
    print("-" * len(header))
    for row in rows:
        baseline = f"{row.baseline:11.2f}" if row.baseline is not None else f"{'':>11}"
        overhead = f"{row.seconds / row.baseline:11.1f}" if row.baseline else f"{'':>11}"
        line = f"{row.stage:<38} {row.rows:>11,} {row.seconds:>9.2f} {row.rate:>10,.0f} {baseline} {overhead}"
        print(line.rstrip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=100_000, help="customers to simulate (default 100000)")
    parser.add_argument("--years", type=float, default=3, help="years of history (default 3)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument("--keep-db", action="store_true", help="reuse the database (its tables are emptied)")
    parser.add_argument("--skip-import", action="store_true", help="only measure generate_data")
    parser.add_argument("--profile", action="store_true", help="cProfile the booking imports and print hotspots")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    check_name(connect_kwargs(url)["dbname"])
    print(
        f"bench_data: {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, {platform.node()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, database {connect_kwargs(url)['dbname']}",
        flush=True,
    )
    prepare_database(url, keep=args.keep_db)
    setup_django(url)
    from django.core.management import call_command
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        log(f"PostgreSQL {cursor.fetchone()[0]}; migrating")
    _, migrate_s = timed(call_command, "migrate", verbosity=0, interactive=False)
    log(f"migrated in {migrate_s:.1f} s")

    table, n_bookings = generate(args.customers, args.years, args.seed)
    generate_row = table[-1]
    import_row = None
    if not args.skip_import:
        with tempfile.TemporaryDirectory(prefix="sheba-bench-") as folder:
            export_rows, customers_csv, bookings_csv, _, _ = export(Path(folder))
            table += export_rows
            copies = copy_baselines(url)
            log("baseline: pandas.read_csv of both files")
            read_customers = read_csv_baseline(customers_csv)
            read_bookings = read_csv_baseline(bookings_csv)
            import_rows, _ = import_files(customers_csv, bookings_csv, profile=args.profile)
        import_rows[0].baseline = read_customers + copies["customers bare"]
        for row in import_rows[1:]:
            row.baseline = read_bookings + copies["bookings bare"]
        import_row = import_rows[1]
        n_customers = import_rows[0].rows
        table += import_rows
        table += [
            Row("  baseline: pandas.read_csv customers", n_customers, read_customers),
            Row("  baseline: COPY customers, bare temp", n_customers, copies["customers bare"]),
            Row("  baseline: COPY customers, indexed", n_customers, copies["customers indexed"]),
            Row("  baseline: pandas.read_csv bookings", n_bookings, read_bookings),
            Row("  baseline: COPY bookings, bare temp", n_bookings, copies["bookings bare"]),
            Row("  baseline: COPY bookings, indexed", n_bookings, copies["bookings indexed"]),
        ]
    print_table(table)
    print()
    print("baseline of generate = simulate(); of an import = pandas.read_csv of the file + bare COPY of its rows.")
    verdict = "PASS" if generate_row.rate >= GENERATE_TARGET else "FAIL"
    print(f"target generate ≥ {GENERATE_TARGET:,} rows/s end to end: {generate_row.rate:,.0f} rows/s  {verdict}")
    if import_row:
        per_million = import_row.seconds * 1_000_000 / max(import_row.rows, 1)
        verdict = "PASS" if per_million < IMPORT_TARGET else "FAIL"
        print(f"target import of 1M bookings < {IMPORT_TARGET:.0f} s: {per_million:.1f} s per million rows  {verdict}")
    log("done")


if __name__ == "__main__":
    main()
