"""python manage.py generate_data --customers N --years 3 --seed S [--end-date YYYY-MM-DD]"""

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from customers.models import Customer
from customers.services.synthetic_load import DatabaseNotEmpty, synthetic_data_generate
from customers.synthetic.simulate import n_days


class Command(BaseCommand):
    help = (
        "Generate a realistic, seeded marketplace history (customers, providers, bookings, complaints, "
        "competitor searches) into an empty database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=20_000, help="number of customers (default 20000)")
        parser.add_argument("--years", type=float, default=3, help="years of history (default 3)")
        parser.add_argument("--seed", type=int, default=7, help="random seed: the same seed gives the same data")
        parser.add_argument(
            "--end-date",
            type=dt.date.fromisoformat,
            default=None,
            help="last day of history, YYYY-MM-DD (default: yesterday in Dhaka)",
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing (and succeed) when customers already exist"
        )

    def handle(self, *args, customers, years, seed, end_date, if_empty, **options):
        if if_empty and Customer.objects.exists():
            self.stdout.write("Customers already exist: keeping the current data.")
            return
        end_date = end_date or timezone.localdate() - dt.timedelta(days=1)
        started = time.perf_counter()
        show_bar = options["verbosity"] > 0
        with tqdm(total=n_days(years), unit="day", desc="Simulating", disable=not show_bar) as bar:
            try:
                result = synthetic_data_generate(
                    n_customers=customers, years=years, seed=seed, end_date=end_date, progress=bar.update
                )
            except (DatabaseNotEmpty, ValueError) as exc:
                raise CommandError(str(exc)) from exc
        seconds = time.perf_counter() - started
        if options["verbosity"] < 1:
            return
        rows = result.customers + result.bookings + result.providers + result.complaints + result.competitor_searches
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated {result.customers:,} customers, {result.bookings:,} bookings, {result.providers:,} "
                f"providers, {result.complaints:,} complaints and {result.competitor_searches:,} competitor searches "
                f"up to {end_date} in {seconds:.1f} s ({rows / seconds:,.0f} rows/s)."
            )
        )
