import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest

from customers.models import Customer, Provider, ServiceCategory
from sheba_retention.common import bulk


def provider_frame() -> pd.DataFrame:
    category = ServiceCategory.objects.get(slug="ac").pk
    return pd.DataFrame(
        {
            "external_id": ["P1", "P2"],
            "name": ['Abul, "AC" Mia', "Kamal Hossain"],  # a comma and quotes survive CSV encoding
            "phone": ["+8801712345678", ""],  # blank stays blank, not NULL
            "city": ["dhaka", "sylhet"],
            "area": ["Mirpur", ""],
            "category_id": [category, category],
            "rating": [4.5, 3.0],
            "is_verified": [True, False],
            "is_premium": [True, False],
            "joined_at": pd.to_datetime(
                ["2024-01-01 10:30:00.123456+00:00", "2024-02-01 00:00:00+00:00"], format="ISO8601"
            ),
            "created_at": pd.Timestamp("2024-03-01", tz="UTC"),
            "updated_at": pd.Timestamp("2024-03-01", tz="UTC"),
        }
    )


@pytest.mark.django_db
def test_bulk_insert_round_trips_values_on_every_engine():
    count = bulk.bulk_insert(model=Provider, frame=provider_frame())

    assert count == 2
    first, second = Provider.objects.order_by("external_id")
    assert first.name == 'Abul, "AC" Mia'
    assert (first.rating, first.is_premium) == (Decimal("4.5"), True)
    assert first.joined_at == dt.datetime(2024, 1, 1, 10, 30, 0, 123456, tzinfo=dt.UTC)
    assert (second.phone, second.area, second.is_verified) == ("", "", False)


@pytest.mark.django_db
def test_bulk_insert_writes_null_for_missing_values():
    frame = pd.DataFrame(
        {
            "external_id": ["C1"],
            "name": [""],
            "phone": [""],
            "email": [""],
            "city": [""],
            "area": [""],
            "gender": ["unknown"],
            "age_band": [""],
            "language": ["bn"],
            "preferred_channel": ["sms"],
            "joined_at": pd.to_datetime(["2024-01-01T00:00:00Z"]),
            "preferred_provider_id": pd.array([None], "Int64"),
            "created_at": pd.Timestamp("2024-01-01", tz="UTC"),
            "updated_at": pd.Timestamp("2024-01-01", tz="UTC"),
        }
    )

    bulk.bulk_insert(model=Customer, frame=frame)

    assert Customer.objects.get().preferred_provider_id is None


@pytest.mark.django_db
def test_bulk_insert_refuses_unknown_columns():
    with pytest.raises(ValueError, match=r"Provider has no columns \['colour'\]"):
        bulk.bulk_insert(model=Provider, frame=pd.DataFrame({"colour": ["red"]}))


@pytest.mark.postgres
@pytest.mark.django_db
def test_bulk_insert_uses_copy_on_postgresql(monkeypatch):
    def executemany_must_not_run(*args, **kwargs):
        raise AssertionError("PostgreSQL must load with COPY, not INSERT batches")

    monkeypatch.setattr(bulk, "_executemany", executemany_must_not_run)

    bulk.bulk_insert(model=Provider, frame=provider_frame())

    assert Provider.objects.count() == 2


@pytest.mark.postgres
# serialized_rollback restores the catalogue rows the data migrations loaded, which a transactional test flushes.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_failing_copy_leaves_nothing_behind():
    """COPY is all-or-nothing: a row violating a constraint aborts the whole load."""
    frame = provider_frame()
    frame.loc[1, "rating"] = 9  # violates provider_rating_1_to_5

    with pytest.raises(Exception, match="provider_rating_1_to_5"):
        bulk.bulk_insert(model=Provider, frame=frame)

    assert Provider.objects.count() == 0
