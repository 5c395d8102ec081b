"""python manage.py score_customers [--as-of YYYY-MM-DD]"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from customers.models import Customer
from mlcore.registry import ArtifactError
from predictions.services.drift import feature_drift_measure
from predictions.services.registry import NoActiveModel
from predictions.services.scoring import DEFAULT_CHUNK, customers_score
from predictions.services.training import ModelTrainingError


class Command(BaseCommand):
    help = "Score every customer with a booking: churn, risk, reasons, LTV, segment, tier. Re-runs replace the day."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", type=dt.date.fromisoformat, help="YYYY-MM-DD (default: day after last booking)")
        parser.add_argument("--chunk-size", type=int, default=DEFAULT_CHUNK, help="customers per transaction")

    def handle(self, *args, as_of, chunk_size, **options):
        try:
            total = Customer.objects.filter(bookings__isnull=False).distinct().count()
            with tqdm(total=total, unit="customer", disable=options["verbosity"] < 1) as bar:
                result = customers_score(as_of=as_of, chunk_size=chunk_size, progress=bar.update)
            drift = feature_drift_measure(as_of=result.as_of)
        except (NoActiveModel, ArtifactError, ModelTrainingError) as exc:
            raise CommandError(str(exc)) from exc
        stages = ", ".join(f"{name} {seconds:.1f}s" for name, seconds in result.seconds.items())
        self.stdout.write(
            self.style.SUCCESS(
                f"Scored {result.scored:,} customers as of {result.as_of} in {result.chunks} chunks ({stages}); "
                f"{result.segment_moves:,} changed segment; tiers: {result.tier_changes}; feature drift: "
                f"{drift.band if drift and drift.band else 'not measured'}."
            )
        )
