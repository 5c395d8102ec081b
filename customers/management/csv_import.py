"""What the CSV import commands share: a file and --errors-out in; the service's summary, or every problem, out."""

from django.core.management.base import BaseCommand, CommandError

from customers.services.csv_reading import ImportRejected
from sheba_retention.common.commands import write_errors


class CsvImportCommand(BaseCommand):
    """A command that imports one CSV file with a service: subclasses say which in `import_file`, and add their own
    options before calling super().add_arguments (so that --errors-out stays last in --help)."""

    def add_arguments(self, parser):
        parser.add_argument("file", help="path of the CSV file")
        parser.add_argument("--errors-out", help="also write every problem to this file, one per line")

    def import_file(self, file: str, **options):
        """The import service's result (its summary() is printed) for `file`; raises ImportRejected."""
        raise NotImplementedError

    def handle(self, *args, file, errors_out=None, **options):
        try:
            result = self.import_file(file, **options)
        except FileNotFoundError as exc:
            raise CommandError(f"{file}: no such file") from exc
        except ImportRejected as exc:
            write_errors(exc, errors_out)
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(result.summary()))
