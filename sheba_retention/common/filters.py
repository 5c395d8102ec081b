"""Filters the API and the portals share: a date and time that reaches the database as UTC, or is refused."""

import datetime as dt

import django_filters
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField


class UtcIsoDateTimeField(IsoDateTimeField):
    """ISO 8601 with any offset Python reads (up to ±24 h), converted to UTC: PostgreSQL refuses offsets past ±16 h,
    and a moment past the year 9999 in UTC (9999-12-31T23:00-05:00) exists in no database."""

    default_error_messages = {"out_of_range": _("Enter a date and time between the years 1 and 9999 (UTC).")}

    def to_python(self, value) -> dt.datetime | None:
        moment = super().to_python(value)
        if moment is None:
            return None
        try:
            return moment.astimezone(dt.UTC)
        except OverflowError as exc:
            raise ValidationError(self.error_messages["out_of_range"], code="out_of_range") from exc


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField
