"""python manage.py import_bookings FILE.csv [--create-customers]"""

from django.core.management.base import BaseCommand, CommandError

from customers.services.booking_import import bookings_import
from customers.services.csv_reading import ImportRejected
from sheba_retention.common.commands import write_errors


class Command(BaseCommand):
    help = (
        "Import bookings from a UTF-8 CSV. Columns: customer_id, booked_at, amount (required); booking_id, service, "
        "status, rating, provider_id, discount, payment_method, complained (optional). A file with any bad row "
        "imports nothing; re-importing a file does not duplicate bookings."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="path of the CSV file")
        parser.add_argument(
            "--create-customers",
            action="store_true",
            help="create customers that do not exist yet (joined at their first booking)",
        )
        parser.add_argument("--errors-out", help="also write every problem to this file, one per line")

    def handle(self, *args, file, create_customers=False, errors_out=None, **options):
        try:
            result = bookings_import(source=file, create_customers=create_customers)
        except FileNotFoundError as exc:
            raise CommandError(f"{file}: no such file") from exc
        except ImportRejected as exc:
            write_errors(exc, errors_out)
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(result.summary()))
