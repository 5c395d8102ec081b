"""Reads of marketplace data for the API, the portals, the admin and the ML pipeline."""

import re

import pandas as pd
from django.db.models import Q, QuerySet

from accounts.access import Viewer, customer_of, sees_staff_data
from customers.models import Booking, Customer, CustomerSegment, Provider, Service
from sheba_retention.common.validators import normalize_bd_phone


def customers_visible_to(*, viewer: Viewer) -> QuerySet[Customer]:
    """Every customer for staff; for a customer, only themself; nothing for anyone else."""
    queryset = Customer.objects.select_related("preferred_provider")
    if sees_staff_data(viewer):
        return queryset
    own = customer_of(viewer)
    return queryset.filter(pk=own.pk) if own else queryset.none()


def customer_search(*, viewer: Viewer, query: str, limit: int = 20) -> QuerySet[Customer]:
    """Customers the viewer may see whose id, name or phone matches `query`: an id or a phone number written any
    common way (01712-345678, +880 1712 345678) finds it exactly, a part of a name or an id finds every match;
    the exact id first, then by name."""
    query = " ".join((query or "").split())
    if not query:
        return Customer.objects.none()
    matches = Q(external_id__iexact=query) | Q(external_id__istartswith=query) | Q(name__icontains=query)
    phone_digits = re.sub(r"[\s\-().+]", "", query)
    if phone_digits.isdigit() and len(phone_digits) >= 4:
        try:
            matches |= Q(phone=normalize_bd_phone(query))
        except ValueError:
            matches |= Q(phone__contains=phone_digits)
    return customers_visible_to(viewer=viewer).filter(matches).order_by("name", "external_id")[:limit]


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
