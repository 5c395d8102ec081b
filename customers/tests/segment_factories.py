"""factory_boy factory for customers' segment history (segments themselves come from a migration)."""

import datetime as dt

import factory
from django.utils import timezone

from customers.models import CustomerSegment, Segment
from customers.tests.factories import CustomerFactory


def existing_segment(key: str = Segment.Key.OCCASIONAL) -> Segment:
    """The five segments come from a data migration; tests use those rows."""
    return Segment.objects.get(key=key)


class CustomerSegmentFactory(factory.django.DjangoModelFactory[CustomerSegment]):
    class Meta:
        model = CustomerSegment

    customer = factory.SubFactory(CustomerFactory)
    segment = factory.LazyFunction(existing_segment)
    valid_from = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=30))
    valid_to = None
    model_version = "segmentation-test-1"
