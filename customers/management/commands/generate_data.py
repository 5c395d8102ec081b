"""python manage.py generate_data [--profile marketplace|transactions] --customers N --seed S [--end-date YYYY-MM-DD]

marketplace (the default): --years Y of the rich simulated marketplace. transactions: --months M (9-18) of a plain
transaction log (customer id, date, amount), imported through the CSV import services; --csv-dir keeps its files.
"""

import datetime as dt
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from customers.models import Customer
from customers.services.synthetic_load import (
    DatabaseNotEmpty,
    TransactionLogResult,
    synthetic_data_generate,
    transaction_log_generate,
)
from customers.synthetic.simulate import n_days
from customers.synthetic.transactions import MAX_MONTHS, MIN_MONTHS

MARKETPLACE, TRANSACTIONS = "marketplace", "transactions"
DEFAULT_YEARS, DEFAULT_MONTHS = 3.0, 12


class Command(BaseCommand):
    help = (
        "Generate a seeded synthetic history into an empty database: the realistic marketplace (customers, providers, "
        "bookings, complaints, competitor searches) or, with --profile transactions, a plain transaction log of one "
        "customer cohort (id, date and amount only), loaded through the CSV importers."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--profile",
            choices=[MARKETPLACE, TRANSACTIONS],
            default=MARKETPLACE,
            help="which world: the rich marketplace (default) or a plain transaction log",
        )
        parser.add_argument("--customers", type=int, default=20_000, help="number of customers (default 20000)")
        parser.add_argument(
            "--years", type=float, default=None, help=f"years of history (marketplace; default {DEFAULT_YEARS:g})"
        )
        parser.add_argument(
            "--months",
            type=int,
            default=None,
            help=f"months of the log, {MIN_MONTHS} to {MAX_MONTHS} (transactions; default {DEFAULT_MONTHS})",
        )
        parser.add_argument("--seed", type=int, default=7, help="random seed: the same seed gives the same data")
        parser.add_argument(
            "--end-date",
            type=dt.date.fromisoformat,
            default=None,
            help="last day of history, YYYY-MM-DD (default: yesterday in Dhaka)",
        )
        parser.add_argument(
            "--csv-dir",
            type=Path,
            default=None,
            help="keep the log's customers.csv and bookings.csv here (transactions; default: a temporary folder)",
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing (and succeed) when customers already exist"
        )

    def handle(self, *args, profile, customers, years, months, seed, end_date, csv_dir, if_empty, **options):
        if profile == MARKETPLACE and (months is not None or csv_dir is not None):
            raise CommandError("--months and --csv-dir belong to --profile transactions")
        if profile == TRANSACTIONS and years is not None:
            raise CommandError("--profile transactions is measured in --months, not --years")
        if if_empty and Customer.objects.exists():
            self.stdout.write("Customers already exist: keeping the current data.")
            return
        end_date = end_date or timezone.localdate() - dt.timedelta(days=1)
        verbose = options["verbosity"] > 0
        try:
            if profile == TRANSACTIONS:
                months = DEFAULT_MONTHS if months is None else months
                folder = Path(csv_dir) if csv_dir is not None else None  # call_command passes options untyped
                self._transactions(customers, months, seed, end_date, folder, verbose=verbose)
            else:
                years = DEFAULT_YEARS if years is None else years
                self._marketplace(customers, years, seed, end_date, verbose=verbose)
        except (DatabaseNotEmpty, ValueError) as exc:
            raise CommandError(str(exc)) from exc

    def _marketplace(self, customers: int, years: float, seed: int, end_date: dt.date, *, verbose: bool) -> None:
        started = time.perf_counter()
        with tqdm(total=n_days(years), unit="day", desc="Simulating", disable=not verbose) as bar:
            result = synthetic_data_generate(
                n_customers=customers, years=years, seed=seed, end_date=end_date, progress=bar.update
            )
        seconds = time.perf_counter() - started
        if not verbose:
            return
        rows = result.customers + result.bookings + result.providers + result.complaints + result.competitor_searches
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated {result.customers:,} customers, {result.bookings:,} bookings, {result.providers:,} "
                f"providers, {result.complaints:,} complaints and {result.competitor_searches:,} competitor searches "
                f"up to {end_date} in {seconds:.1f} s ({rows / seconds:,.0f} rows/s)."
            )
        )

    def _transactions(
        self, customers: int, months: int, seed: int, end_date: dt.date, csv_dir: Path | None, *, verbose: bool
    ) -> None:
        started = time.perf_counter()
        result = transaction_log_generate(
            n_customers=customers, months=months, seed=seed, end_date=end_date, csv_dir=csv_dir
        )
        if verbose:
            self._report_transactions(result, time.perf_counter() - started)

    def _report_transactions(self, result: TransactionLogResult, seconds: float) -> None:
        kept = f" The CSV files are in {result.csv_dir}." if result.csv_dir is not None else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated a transaction log of {result.customers:,} customers and {result.bookings:,} purchases "
                f"from {result.start_date} to {result.end_date} and imported it in {seconds:.1f} s.{kept}\n"
                f"  customers.csv: {result.customer_import.summary()}\n"
                f"  bookings.csv: {result.booking_import.summary()}"
            )
        )
