"""Reads of discount codes."""

from django.db.models import F, QuerySet
from django.utils import timezone

from customers.models import Customer
from payments.models import DiscountCode


def redeemable_codes(*, customer: Customer) -> QuerySet[DiscountCode]:
    """The customer's own codes that can still be redeemed now: active, unexpired, not used up; soonest expiry first."""
    return DiscountCode.objects.filter(
        customer=customer, is_active=True, expires_at__gt=timezone.now(), uses__lt=F("max_uses")
    ).order_by("expires_at", "pk")
