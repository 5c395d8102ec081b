"""Says whether PDF reports can be made here, and what to install if not (`make demo` runs it; it never fails)."""

from django.core.management.base import BaseCommand

from analytics.reports import pdf_engine_problem


class Command(BaseCommand):
    help = "Check that WeasyPrint can load Pango for the PDF reports, and say what to install if it cannot."

    def handle(self, *args, **options) -> None:
        problem = pdf_engine_problem()
        if problem:
            self.stdout.write(self.style.WARNING(f"PDF reports are off: {problem}"))
        else:
            self.stdout.write("PDF reports: WeasyPrint and Pango are ready.")
