"""API routes of redemptions and gateway callbacks (mounted under /api/)."""

from django.urls import path

from payments import apis

urlpatterns = [
    path("customers/<str:customer_id>/redeem", apis.CustomerCodeRedeemApi.as_view(), name="customer-redeem"),
    path("payments/callback/<str:gateway>", apis.PaymentCallbackApi.as_view(), name="payment-callback"),
]
