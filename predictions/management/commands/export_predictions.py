"""python manage.py export_predictions --out FILE.csv [--as-of YYYY-MM-DD]"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from predictions.selectors import EXPORT_COLUMNS, export_rows, latest_as_of, prediction_list
from sheba_retention.common.csvfiles import write_csv


class Command(BaseCommand):
    help = (
        "Export one scoring day as CSV: customer_id, as_of, churn_probability, risk_category, ltv, ltv_low, "
        "ltv_high, segment, loyalty_tier, then the five reasons (feature, contribution, English, Bengali)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="file to write")
        parser.add_argument("--as-of", type=dt.date.fromisoformat, help="scoring day (default: the latest)")

    def handle(self, *args, out, as_of, **options):
        as_of = as_of or latest_as_of()
        if as_of is None:
            raise CommandError("nothing has been scored yet: run `python manage.py score_customers` first")
        if not prediction_list(as_of=as_of).exists():
            raise CommandError(f"no predictions as of {as_of}")
        with open(out, "w", newline="", encoding="utf-8") as handle:
            count = write_csv(handle, EXPORT_COLUMNS, export_rows(as_of=as_of))
        self.stdout.write(self.style.SUCCESS(f"{count:,} predictions as of {as_of} written to {out}"))
