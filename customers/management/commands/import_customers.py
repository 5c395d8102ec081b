"""python manage.py import_customers FILE.csv"""

from customers.management.csv_import import CsvImportCommand
from customers.services.customer_import import customers_import


class Command(CsvImportCommand):
    help = (
        "Import customers from a UTF-8 CSV. Columns: customer_id (required); name, phone, email, area, city, "
        "gender, language, joined_at (optional). A file with any bad row imports nothing."
    )

    def import_file(self, file, **options):
        return customers_import(source=file)
