"""factory_boy factories for loyalty history (the tiers themselves come from a migration)."""

import datetime as dt

import factory
from django.utils import timezone

from customers.tests.factories import CustomerFactory
from loyalty.models import CustomerLoyalty, LoyaltyTier


def existing_tier(name: str = LoyaltyTier.Name.SILVER) -> LoyaltyTier:
    """The four tiers come from a data migration; tests use those rows."""
    return LoyaltyTier.objects.get(name=name)


class CustomerLoyaltyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerLoyalty

    customer = factory.SubFactory(CustomerFactory)
    tier = factory.LazyFunction(existing_tier)
    valid_from = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=60))
    valid_to = None
    reason = "Lifetime value above Tk 8,000 with 3 bookings a year"
