import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from customers.models import Booking, CompetitorSearch, Complaint, Customer, Provider
from customers.synthetic.transactions import transactions_simulate

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


# --- the transaction-log profile ----------------------------------------------------------------------------------
@pytest.mark.django_db
def test_generate_data_transactions_profile_imports_the_log_and_can_keep_its_files(tmp_path):
    # given
    log = transactions_simulate(n_customers=200, months=9, seed=3, end_date=END)
    out = StringIO()

    # when
    call_command(
        "generate_data", profile="transactions", customers=200, months=9, seed=3, end_date=END,
        csv_dir=str(tmp_path / "log"), stdout=out,
    )  # fmt: skip

    # then
    n = len(log.bookings)
    assert Customer.objects.count() == 200
    assert Provider.objects.count() == Complaint.objects.count() == CompetitorSearch.objects.count() == 0
    stored = Booking.objects.order_by("booked_at", "customer__external_id")
    expected = log.bookings.sort_values(["booked_at", "customer_external_id"])
    assert list(stored.values_list("customer__external_id", "booked_at", "amount")) == [
        (customer, booked_at.to_pydatetime(), Decimal(f"{amount:.2f}"))
        for customer, booked_at, amount in zip(
            expected["customer_external_id"], expected["booked_at"], expected["amount"], strict=True
        )
    ]
    assert sorted(path.name for path in (tmp_path / "log").iterdir()) == ["bookings.csv", "customers.csv"]
    lines = out.getvalue().splitlines()
    assert lines[0].startswith(
        f"Generated a transaction log of 200 customers and {n:,} purchases from 2024-10-01 to 2025-06-30 and "
        "imported it in "
    )
    assert lines[0].endswith(f"s. The CSV files are in {tmp_path / 'log'}.")
    assert lines[1:] == [
        "  customers.csv: 200 rows: 200 customers created, 0 updated, 0 unchanged.",
        f"  bookings.csv: {n} rows: {n} bookings created, 0 updated, 0 unchanged, 0 repeated rows skipped.",
    ]


@pytest.mark.django_db
def test_generate_data_transactions_profile_refuses_a_database_with_customers_unless_if_empty():
    call_command("generate_data", profile="transactions", customers=40, seed=1, end_date=END, verbosity=0)
    bookings = Booking.objects.count()

    with pytest.raises(CommandError, match="already has 40 customers"):
        call_command("generate_data", profile="transactions", customers=40, seed=2, end_date=END, verbosity=0)
    call_command(
        "generate_data", profile="transactions", customers=40, seed=2, end_date=END, if_empty=True, verbosity=0
    )

    assert (Customer.objects.count(), Booking.objects.count()) == (40, bookings)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"profile": "transactions", "months": 8}, "covers 9 to 18 months"),
        ({"profile": "transactions", "months": 19}, "covers 9 to 18 months"),
        ({"profile": "transactions", "customers": 0}, "at least 1"),
        ({"profile": "transactions", "years": 1}, "measured in --months"),
        ({"profile": "transactions", "end_date": timezone.localdate()}, "must end before today"),
        ({"months": 12}, "belong to --profile transactions"),
        ({"csv_dir": "somewhere"}, "belong to --profile transactions"),
    ],
)
@pytest.mark.django_db
def test_generate_data_rejects_options_outside_their_profile(options, message):
    with pytest.raises(CommandError, match=message):
        call_command("generate_data", **{"customers": 10, "end_date": END, "verbosity": 0, **options})
    assert not Customer.objects.exists()
