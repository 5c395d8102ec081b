"""Filters shared by the API and the portals."""

import django_filters
from django.db.models import Q

from customers.models import Booking, Customer, Provider, Service
from sheba_retention.common.filters import IsoDateTimeFilter


class CustomerFilter(django_filters.FilterSet):
    joined_after = IsoDateTimeFilter(field_name="joined_at", lookup_expr="gte")
    joined_before = IsoDateTimeFilter(field_name="joined_at", lookup_expr="lt")
    search = django_filters.CharFilter(method="filter_search", label="Name, phone or customer id contains")

    class Meta:
        model = Customer
        fields = ["city", "area", "gender", "language"]

    def filter_search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(phone__contains=value) | Q(external_id__icontains=value))


class BookingFilter(django_filters.FilterSet):
    customer = django_filters.CharFilter(field_name="customer__external_id", label="Customer id")
    service = django_filters.CharFilter(field_name="service__slug", label="Service slug")
    category = django_filters.CharFilter(field_name="service__category__slug", label="Category slug")
    provider = django_filters.CharFilter(field_name="provider__external_id", label="Provider id")
    booked_after = IsoDateTimeFilter(field_name="booked_at", lookup_expr="gte")
    booked_before = IsoDateTimeFilter(field_name="booked_at", lookup_expr="lt")

    class Meta:
        model = Booking
        fields = ["status", "payment_method"]


class ServiceFilter(django_filters.FilterSet):
    category = django_filters.CharFilter(field_name="category__slug")

    class Meta:
        model = Service
        fields: list[str] = []


class ProviderFilter(django_filters.FilterSet):
    category = django_filters.CharFilter(field_name="category__slug")
    min_rating = django_filters.NumberFilter(field_name="rating", lookup_expr="gte")

    class Meta:
        model = Provider
        fields = ["city", "area", "is_verified", "is_premium"]
