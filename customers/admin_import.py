"""Admin "Import CSV" page: uploads go through the same services as the import commands."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from customers.services.csv_reading import MAX_REPORTED_ERRORS, ImportRejected

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin
    from django.utils.functional import _StrPromise

    # The mixin is only ever used on a ModelAdmin: let mypy see the attributes it uses from there.
    _ModelAdmin = ModelAdmin[Any]
else:
    _ModelAdmin = object


class CsvImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"), help_text=_("UTF-8 text, comma-separated, with a header line."))
    dry_run = forms.BooleanField(
        label=_("Check only"), required=False, help_text=_("Validate and count what would change, but save nothing.")
    )


class BookingCsvImportForm(CsvImportForm):
    create_customers = forms.BooleanField(
        label=_("Create missing customers"),
        required=False,
        help_text=_("Customers the database does not know yet are created, joined at their first booking."),
    )


class CsvImportAdminMixin(_ModelAdmin):
    """Adds <changelist>/import-csv/ to a ModelAdmin; `import_csv_service(source=…, **form options)` does the work."""

    import_csv_form: type[CsvImportForm] = CsvImportForm
    import_csv_service: Callable
    import_csv_help: "str | _StrPromise" = ""
    change_list_template = "admin/customers/change_list_csv_import.html"

    def get_urls(self) -> list[URLPattern]:
        opts = self.model._meta
        name = f"{opts.app_label}_{opts.model_name}_import_csv"
        extra = [path("import-csv/", self.admin_site.admin_view(self.import_csv_view), name=name)]
        return extra + super().get_urls()

    def import_csv_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = self.import_csv_form(request.POST or None, request.FILES or None)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Import %(name)s from CSV") % {"name": self.model._meta.verbose_name_plural},
            "help_text": self.import_csv_help,
            "form": form,
        }
        if request.method == "POST" and form.is_valid():
            options = {key: value for key, value in form.cleaned_data.items() if key not in ("file", "dry_run")}
            dry_run = form.cleaned_data["dry_run"]
            try:
                result = self._run_import(form.cleaned_data["file"], dry_run=dry_run, **options)
            except ImportRejected as rejected:
                context["errors"] = rejected.errors[:MAX_REPORTED_ERRORS]
                context["errors_truncated"] = max(0, len(rejected.errors) - MAX_REPORTED_ERRORS)
            else:
                context["summary"] = result.summary()
                context["dry_run"] = dry_run
                if not dry_run:
                    self.message_user(request, result.summary())
        return TemplateResponse(request, "admin/customers/import_csv.html", context)

    def _run_import(self, upload, *, dry_run: bool, **options):
        source = upload.read()
        if not dry_run:
            return self.import_csv_service(source=source, **options)
        with transaction.atomic():
            result = self.import_csv_service(source=source, **options)
            transaction.set_rollback(True)  # a check-only run: everything it wrote is undone
        return result
