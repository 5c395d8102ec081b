"""python manage.py resegment [--as-of YYYY-MM-DD] — the monthly re-segmentation, by hand."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from predictions.services.registry import NoActiveModel
from predictions.services.training import ModelTrainingError, segmentation_refit


class Command(BaseCommand):
    help = "Fit a new segmentation, activate it, move customers whose segment changed, and report the moves."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", type=dt.date.fromisoformat)

    def handle(self, *args, as_of, **options):
        try:
            result = segmentation_refit(as_of=as_of)
        except (NoActiveModel, ModelTrainingError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Segmentation {result.version}: {result.moved:,} customers moved."))
        for source, targets in result.transitions.items():
            moves = ", ".join(f"{target} {count:,}" for target, count in targets.items() if target != source)
            if moves:
                self.stdout.write(f"  from {source}: {moves}")
