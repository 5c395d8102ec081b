"""API routes of the marketplace data (mounted under /api/)."""

from django.urls import path

from customers import apis

urlpatterns = [
    path("customers", apis.CustomerListApi.as_view(), name="customer-list"),
    path("bookings", apis.BookingListApi.as_view(), name="booking-list"),
    path("services", apis.ServiceListApi.as_view(), name="service-list"),
    path("providers", apis.ProviderListApi.as_view(), name="provider-list"),
]
