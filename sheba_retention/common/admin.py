"""Admin helpers every app uses: Taka formatting, translated labels with placeholders, the current/past filter, the
base admins that say who writes a table's rows (ServiceSaveAdmin, ReadOnlyAdmin, FixedRowsAdmin), and the CSV export."""

from decimal import Decimal
from typing import TYPE_CHECKING

import tablib
from django.contrib import admin
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportMixin
from import_export.formats import base_formats

from sheba_retention.common.csvfiles import csv_escape
from sheba_retention.common.formatting import taka
from sheba_retention.common.services import model_create, model_update

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise


def format_tk(value: Decimal | float | int | None) -> str | None:
    """Taka with thousands separators, paisa only when there are any: Tk 1,200 or Tk 1,200.50."""
    return None if value is None else taka(value, language="en")


def _interpolate(text: "str | _StrPromise", values: dict[str, object]) -> str:
    return text % values


# A class-level label with %(name)s placeholders, filled in when it is shown, so it reads in the language active then
# (`_("…") % values` at class level would be translated once, at import, in the default language).
interpolate_lazy = lazy(_interpolate, str)


class CurrentRowFilter(admin.SimpleListFilter):
    """Open (valid_to empty) or closed rows of a history table."""

    title = _("current")
    parameter_name = "current"

    def lookups(self, request, model_admin):
        return [("yes", gettext("Current")), ("no", gettext("Past"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(valid_to__isnull=True)
        if self.value() == "no":
            return queryset.filter(valid_to__isnull=False)
        return queryset


class ServiceSaveAdmin(admin.ModelAdmin):
    """A table people edit by hand: a new row is validated and inserted (model_create), a change validated and saved
    for the fields the form changed only (model_update), not the whole row. Admins whose rows have rules of their own
    (a state machine, a code) override save_model with their app's service."""

    def save_model(self, request, obj, form, change: bool) -> None:
        if change:
            model_update(instance=obj, fields=form.changed_data)
        else:
            model_create(instance=obj)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows the system writes (scores, histories, ledgers): shown, never added or edited by hand."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class FixedRowsAdmin(ServiceSaveAdmin):
    """Rows a migration creates (catalogue-like tables, settings, model versions): edited in place at most."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


SingletonAdmin = FixedRowsAdmin  # a settings singleton: its one row is created by a migration


class ReadOnlyTabularInline(admin.TabularInline):
    """Related rows shown on a change page, never added, edited or deleted there."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class FormulaSafeCsv(base_formats.CSV):
    """django-import-export's CSV with every cell passed through csv_escape, as the export commands write theirs."""

    def export_data(self, dataset, **kwargs):
        safe = tablib.Dataset(*([csv_escape(cell) for cell in row] for row in dataset), headers=dataset.headers)
        return super().export_data(safe, **kwargs)


class CsvExportMixin(ExportMixin):
    """The admin's Export, in CSV only: the format the importers read back, so an exported file round-trips. The
    other formats django-import-export offers (TSV, JSON, YAML, HTML) are left out: nothing imports them, and a
    spreadsheet opening a TSV would need the same escaping again."""

    formats = [FormulaSafeCsv]
