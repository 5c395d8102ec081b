"""factory_boy factories for the marketplace tables."""

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.utils import timezone

from customers.models import (
    Booking,
    BookingStatus,
    City,
    CompetitorSearch,
    Complaint,
    Customer,
    Provider,
    Service,
    ServiceCategory,
)


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.django.Password("pass12345")


class StaffUserFactory(UserFactory):
    is_staff = True
    username = factory.Sequence(lambda n: f"staff{n}")


def existing_service(slug: str = "ac-basic-servicing") -> Service:
    """Services come from the catalogue migration; tests use those rows rather than making new ones."""
    return Service.objects.get(slug=slug)


def existing_category(slug: str = "ac") -> ServiceCategory:
    return ServiceCategory.objects.get(slug=slug)


class ProviderFactory(factory.django.DjangoModelFactory[Provider]):
    class Meta:
        model = Provider

    external_id = factory.Sequence(lambda n: f"P{n:06d}")
    name = factory.Faker("name")
    phone = factory.Sequence(lambda n: f"+88017{n:08d}")
    city = City.DHAKA
    area = "Mirpur"
    category = factory.LazyFunction(existing_category)
    rating = Decimal("4.5")
    is_verified = True
    is_premium = False
    joined_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=800))


class CustomerFactory(factory.django.DjangoModelFactory[Customer]):
    class Meta:
        model = Customer

    external_id = factory.Sequence(lambda n: f"C{n:07d}")
    name = factory.Faker("name")
    phone = factory.Sequence(lambda n: f"+88018{n:08d}")
    email = factory.LazyAttribute(lambda o: f"{o.external_id.lower()}@example.com")
    city = City.DHAKA
    area = "Dhanmondi"
    language = "bn"
    joined_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=400))


class BookingFactory(factory.django.DjangoModelFactory[Booking]):
    class Meta:
        model = Booking

    external_id = factory.Sequence(lambda n: f"B{n:09d}")
    customer = factory.SubFactory(CustomerFactory)
    service = factory.LazyFunction(existing_service)
    provider = factory.SubFactory(ProviderFactory)
    booked_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=30))
    scheduled_at = factory.LazyAttribute(lambda o: o.booked_at + dt.timedelta(days=1))
    completed_at = factory.LazyAttribute(
        lambda o: o.scheduled_at + dt.timedelta(hours=2) if o.status == BookingStatus.COMPLETED else None
    )
    amount = Decimal("1200.00")
    discount = Decimal("0.00")
    status = BookingStatus.COMPLETED
    rating = 5
    payment_method = "bkash"


class ComplaintFactory(factory.django.DjangoModelFactory[Complaint]):
    class Meta:
        model = Complaint

    customer = factory.SubFactory(CustomerFactory)
    booking = None
    created_at = factory.LazyFunction(timezone.now)
    category = "late"
    description = "The technician came two hours late."


class CompetitorSearchFactory(factory.django.DjangoModelFactory[CompetitorSearch]):
    class Meta:
        model = CompetitorSearch

    customer = factory.SubFactory(CustomerFactory)
    searched_at = factory.LazyFunction(timezone.now)
    competitor = "Hello Task"
    category = factory.LazyFunction(existing_category)
