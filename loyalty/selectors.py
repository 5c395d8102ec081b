"""Reads of loyalty data: current tiers, a customer's tier with benefits and progress."""

import datetime as dt

import pandas as pd
from django.db.models import Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from customers.models import BookingStatus, Customer
from loyalty.models import CustomerLoyalty, LoyaltyTier
from mlcore.features import DAYS_PER_YEAR, MIN_TENURE_DAYS


def current_tier_names(*, customer_pks: pd.Index, on: dt.date | None = None) -> pd.Series:
    """The current tier name per customer pk, or the one held on day `on` ("" for customers without one)."""
    rows = CustomerLoyalty.objects.filter(customer_id__in=list(customer_pks))
    if on is None:
        rows = rows.filter(valid_to=None)
    else:
        rows = rows.filter(Q(valid_to=None) | Q(valid_to__gt=on), valid_from__lte=on)
    rows = rows.values_list("customer_id", "tier__name")
    return pd.Series(dict(rows), dtype=object).reindex(customer_pks).fillna("")


def customer_loyalty_summary(*, customer: Customer, ltv: float) -> dict:
    """The customer's tier, its benefits, how far the next tier is, and their tier history. `ltv` is the customer's
    predicted lifetime value (Tk), which the tiers' value criterion is measured by; loyalty does not predict it."""
    tiers = list(LoyaltyTier.objects.order_by("rank"))
    history = list(customer.loyalty_history.select_related("tier").order_by("-valid_from"))
    current = next((row for row in history if row.valid_to is None), None)
    standing = _standing(customer, ltv)
    next_tier = None
    if current is not None:
        higher = [tier for tier in tiers if tier.rank > current.tier.rank]
        next_tier = higher[0] if higher else None
    elif tiers:
        next_tier = tiers[0]
    return {
        "tier": current.tier if current else None,
        "since": current.valid_from if current else None,
        "reason": current.reason if current else "",
        "standing": standing,
        "next_tier": next_tier,
        "next_tier_gaps": _gaps(standing, next_tier) if next_tier else {},
        "history": history,
    }


def _standing(customer: Customer, ltv: float) -> dict:
    """Where the customer stands on each tier criterion today."""
    now = timezone.now()
    year_ago = now - dt.timedelta(days=365)
    completed = customer.bookings.filter(status=BookingStatus.COMPLETED)
    total = completed.count()
    tenure_days = max((now - customer.joined_at).days, 0)
    months = completed.filter(booked_at__gte=year_ago).annotate(month=TruncMonth("booked_at")).values("month")
    return {
        "ltv": ltv,
        "bookings_per_year": total / (max(tenure_days, MIN_TENURE_DAYS) / DAYS_PER_YEAR),
        "tenure_days": tenure_days,
        "active_months_365d": months.distinct().count(),
    }


def _gaps(standing: dict, tier: LoyaltyTier) -> dict:
    """What is still missing for `tier`, per criterion (0 when already met)."""
    return {
        "ltv": max(float(tier.min_ltv) - standing["ltv"], 0.0),
        "bookings_per_year": max(float(tier.min_bookings_per_year) - standing["bookings_per_year"], 0.0),
        "tenure_days": max(tier.min_tenure_days - standing["tenure_days"], 0),
        "active_months_365d": max(tier.min_active_months - standing["active_months_365d"], 0),
    }
