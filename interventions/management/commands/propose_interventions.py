"""python manage.py propose_interventions [--as-of YYYY-MM-DD]"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from interventions.services.proposals import interventions_propose


class Command(BaseCommand):
    help = "Propose interventions for customers at or above the high-risk threshold (the nightly proposal step)."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", type=dt.date.fromisoformat, help="scoring day (default: the latest)")

    def handle(self, *args, as_of, **options):
        try:
            run = interventions_propose(as_of=as_of)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"As of {run.as_of}: {run.eligible:,} at-risk customers without a recent intervention; "
                f"{run.proposed:,} proposals for approval, {run.control:,} held out as control, "
                f"{run.not_paying:,} with no intervention that pays; {run.skipped_open_or_recent:,} skipped "
                f"(open or recent intervention). Expected uplift: {run.uplift_source}."
            )
        )
