import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from customers.models import Booking, CompetitorSearch, Complaint, Customer, Provider

END = dt.date(2025, 6, 30)


def snapshot() -> dict:
    return {
        "customers": list(Customer.objects.order_by("external_id").values_list("external_id", "phone", "joined_at")),
        "bookings": list(
            Booking.objects.order_by("external_id").values_list(
                "external_id",
                "customer__external_id",
                "service__slug",
                "provider__external_id",
                "booked_at",
                "amount",
                "discount",
                "status",
                "rating",
            )
        ),
        "complaints": Complaint.objects.count(),
        "searches": CompetitorSearch.objects.count(),
    }


@pytest.mark.django_db
def test_generate_data_writes_every_table_and_is_deterministic_for_a_seed():
    # given
    call_command("generate_data", customers=300, years=2, seed=5, end_date=END, verbosity=0)
    first = snapshot()
    for model in (Complaint, CompetitorSearch, Booking, Customer, Provider):
        model.objects.all().delete()

    # when
    call_command("generate_data", customers=300, years=2, seed=5, end_date=END, verbosity=0)

    # then
    assert snapshot() == first
    assert len(first["customers"]) == 300
    assert len(first["bookings"]) > 600
    assert first["complaints"] > 0
    assert first["searches"] > 0
    assert max(row[4] for row in first["bookings"]) < dt.datetime(2025, 6, 30, 18, 0, tzinfo=dt.UTC)  # Dhaka midnight
    linked = Customer.objects.filter(preferred_provider__isnull=False).count()
    assert linked > 0


@pytest.mark.django_db
def test_generate_data_refuses_a_database_with_customers_unless_if_empty():
    call_command("generate_data", customers=50, years=1, seed=1, end_date=END, verbosity=0)

    with pytest.raises(CommandError, match="already has 50 customers"):
        call_command("generate_data", customers=50, years=1, seed=2, end_date=END, verbosity=0)
    call_command("generate_data", customers=50, years=1, seed=2, end_date=END, if_empty=True, verbosity=0)

    assert Customer.objects.count() == 50


@pytest.mark.parametrize(("options", "message"), [({"customers": 0}, "at least 1"), ({"years": 0}, "years must be")])
@pytest.mark.django_db
def test_generate_data_rejects_bad_sizes(options, message):
    with pytest.raises(CommandError, match=message):
        call_command("generate_data", **{"customers": 10, "years": 1, "end_date": END, "verbosity": 0, **options})
