"""python manage.py run_nightly [--as-of YYYY-MM-DD] — the nightly chain, exactly as Celery beat runs it."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from interventions.services.nightly import nightly_run
from mlcore.registry import ArtifactError
from predictions.services.registry import NoActiveModel


class Command(BaseCommand):
    help = "Score every customer, propose interventions, send approved ones, expire stale ones, track outcomes."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", type=dt.date.fromisoformat, help="YYYY-MM-DD (default: day after last booking)")

    def handle(self, *args, as_of, **options):
        try:
            run = nightly_run(as_of=as_of)
        except (NoActiveModel, ArtifactError, ValidationError) as exc:
            raise CommandError(str(exc)) from exc
        proposals = run.proposals
        self.stdout.write(
            self.style.SUCCESS(
                f"As of {run.as_of}: {run.scored:,} customers scored; {proposals.proposed:,} proposals and "
                f"{proposals.control:,} control; {run.sent:,} approved interventions sent; expired "
                f"{run.expired['sent']:,} offers and {run.expired['proposed']:,} undecided proposals; outcomes: "
                f"{run.outcomes['retained']:,} retained, {run.outcomes['churned']:,} churned."
            )
        )
