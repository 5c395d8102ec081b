"""python manage.py import_bookings FILE.csv [--create-customers]"""

from customers.management.csv_import import CsvImportCommand
from customers.services.booking_import import bookings_import


class Command(CsvImportCommand):
    help = (
        "Import bookings from a UTF-8 CSV. Columns: customer_id, booked_at, amount (required); booking_id, service, "
        "status, rating, provider_id, discount, payment_method, complained (optional). A file with any bad row "
        "imports nothing; re-importing a file does not duplicate bookings."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--create-customers",
            action="store_true",
            help="create customers that do not exist yet (joined at their first booking)",
        )
        super().add_arguments(parser)

    def import_file(self, file, *, create_customers=False, **options):
        return bookings_import(source=file, create_customers=create_customers)
