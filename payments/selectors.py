"""Reads of discount codes for the offers API and the portals."""

from django.db.models import F, QuerySet
from django.utils import timezone

from customers.models import Customer
from payments.models import DiscountCode


def offer_list(*, customer: Customer) -> QuerySet[DiscountCode]:
    """The customer's own codes that can still be redeemed now: active, unexpired, not used up; soonest expiry first."""
    return (
        DiscountCode.objects.filter(
            customer=customer, is_active=True, expires_at__gt=timezone.now(), uses__lt=F("max_uses")
        )
        .select_related("intervention")
        .order_by("expires_at", "pk")
    )


def offer_message(*, code: DiscountCode, language: str) -> str:
    """The linked intervention's message in the customer's language, falling back to the other one."""
    intervention = code.intervention
    if intervention is None:
        return ""
    if language == "bn":
        return intervention.message_bn or intervention.message_en
    return intervention.message_en or intervention.message_bn
