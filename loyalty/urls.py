"""API routes of loyalty (mounted under /api/)."""

from django.urls import path

from loyalty import apis

urlpatterns = [
    path("customers/<str:customer_id>/loyalty", apis.CustomerLoyaltyApi.as_view(), name="customer-loyalty"),
]
