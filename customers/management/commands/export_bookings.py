"""python manage.py export_bookings --out FILE.csv"""

import sys

from django.core.management.base import BaseCommand

from customers.exports import BOOKING_EXPORT_COLUMNS, booking_rows
from sheba_retention.common.csvfiles import write_csv


class Command(BaseCommand):
    help = "Export bookings as CSV in the columns import_bookings reads."

    def add_arguments(self, parser):
        parser.add_argument("--out", help="file to write (default: standard output)")

    def handle(self, *args, out=None, **options):
        if out:
            with open(out, "w", newline="", encoding="utf-8") as handle:
                count = write_csv(handle, BOOKING_EXPORT_COLUMNS, booking_rows())
            self.stderr.write(self.style.SUCCESS(f"{count} bookings written to {out}"))
        else:
            write_csv(sys.stdout, BOOKING_EXPORT_COLUMNS, booking_rows())
