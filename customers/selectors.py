"""Reads of marketplace data for the API, the portals, the admin and the ML pipeline."""

import pandas as pd
from django.db.models import QuerySet

from accounts.access import Viewer, customer_of, sees_staff_data
from customers.models import Booking, Customer, CustomerSegment, Provider, Service


def customers_visible_to(*, viewer: Viewer) -> QuerySet[Customer]:
    """Every customer for staff; for a customer, only themself; nothing for anyone else."""
    queryset = Customer.objects.select_related("preferred_provider")
    if sees_staff_data(viewer):
        return queryset
    own = customer_of(viewer)
    return queryset.filter(pk=own.pk) if own else queryset.none()


def bookings_visible_to(*, viewer: Viewer) -> QuerySet[Booking]:
    """Every booking for staff; a customer's own for a customer; nothing for anyone else."""
    queryset = Booking.objects.select_related("customer", "service", "provider")
    if sees_staff_data(viewer):
        return queryset
    own = customer_of(viewer)
    return queryset.filter(customer=own) if own else queryset.none()


def service_list() -> QuerySet[Service]:
    return Service.objects.select_related("category").filter(is_active=True)


def provider_list() -> QuerySet[Provider]:
    return Provider.objects.select_related("category")


def current_segments(*, customer_pks: pd.Index) -> pd.Series:
    """The current segment key per customer pk ("" for customers without one)."""
    rows = CustomerSegment.objects.filter(customer_id__in=list(customer_pks), valid_to=None).values_list(
        "customer_id", "segment__key"
    )
    return pd.Series(dict(rows), dtype=object).reindex(customer_pks).fillna("")
