"""`{% load loyalty_tiers %}`: a tier's stored name as people read it in the active language."""

from django import template

from loyalty.models import LoyaltyTier

register = template.Library()


@register.filter
def tier_label(name: str) -> str:
    return str(LoyaltyTier.Name(name).label) if name in LoyaltyTier.Name.values else name
