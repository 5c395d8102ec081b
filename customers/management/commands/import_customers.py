"""python manage.py import_customers FILE.csv"""

from django.core.management.base import BaseCommand, CommandError

from customers.services.csv_reading import ImportRejected
from customers.services.customer_import import customers_import
from sheba_retention.common.commands import write_errors


class Command(BaseCommand):
    help = (
        "Import customers from a UTF-8 CSV. Columns: customer_id (required); name, phone, email, area, city, "
        "gender, language, joined_at (optional). A file with any bad row imports nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="path of the CSV file")
        parser.add_argument("--errors-out", help="also write every problem to this file, one per line")

    def handle(self, *args, file, errors_out=None, **options):
        try:
            result = customers_import(source=file)
        except FileNotFoundError as exc:
            raise CommandError(f"{file}: no such file") from exc
        except ImportRejected as exc:
            write_errors(exc, errors_out)
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(result.summary()))
