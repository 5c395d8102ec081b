"""segments_apply: one open segment row per customer, closed with valid_to when the customer moves."""

import datetime as dt

import pandas as pd
import pytest

from customers.models import CustomerSegment
from customers.services.segments import segments_apply
from customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 11, 1)
NEXT_MONTH = dt.date(2026, 12, 1)


def history() -> list[tuple]:
    return list(
        CustomerSegment.objects.order_by("customer_id", "valid_from").values_list(
            "customer__external_id", "segment__key", "valid_from", "valid_to", "model_version"
        )
    )


@pytest.fixture
def customers():
    return [CustomerFactory(external_id=f"S{n}") for n in range(3)]


def assign(customers, keys: list[str], *, as_of: dt.date, version: str = "segmentation-1") -> int:
    series = pd.Series(keys, index=pd.Index([customer.pk for customer in customers]))
    return segments_apply(as_of=as_of, assignments=series, model_version=version)


def test_first_assignments_open_one_row_each(customers):
    # when
    moves = assign(customers, ["occasional", "at_risk", "price_sensitive"], as_of=DAY)

    # then
    assert moves == 0
    assert history() == [
        ("S0", "occasional", DAY, None, "segmentation-1"),
        ("S1", "at_risk", DAY, None, "segmentation-1"),
        ("S2", "price_sensitive", DAY, None, "segmentation-1"),
    ]


def test_an_unchanged_segment_writes_nothing(customers):
    # given
    assign(customers, ["occasional", "at_risk", "price_sensitive"], as_of=DAY)
    before = history()

    # when
    moves = assign(customers, ["occasional", "at_risk", "price_sensitive"], as_of=NEXT_MONTH, version="segmentation-2")

    # then
    assert moves == 0
    assert history() == before


def test_a_move_closes_the_old_row_and_opens_a_new_one(customers):
    # given
    assign(customers, ["occasional", "at_risk", "price_sensitive"], as_of=DAY)

    # when
    moves = assign(customers, ["at_risk", "at_risk", "quality_focused"], as_of=NEXT_MONTH, version="segmentation-2")

    # then
    assert moves == 2
    assert history() == [
        ("S0", "occasional", DAY, NEXT_MONTH, "segmentation-1"),
        ("S0", "at_risk", NEXT_MONTH, None, "segmentation-2"),
        ("S1", "at_risk", DAY, None, "segmentation-1"),
        ("S2", "price_sensitive", DAY, NEXT_MONTH, "segmentation-1"),
        ("S2", "quality_focused", NEXT_MONTH, None, "segmentation-2"),
    ]
    assert CustomerSegment.objects.filter(valid_to=None).count() == 3


def test_rerunning_the_same_day_revises_that_days_row(customers):
    # given
    assign(customers, ["occasional", "at_risk", "price_sensitive"], as_of=DAY)
    assign(customers, ["at_risk", "at_risk", "price_sensitive"], as_of=NEXT_MONTH, version="segmentation-2")

    # when
    moves = assign(
        customers, ["high_value_loyal", "at_risk", "price_sensitive"], as_of=NEXT_MONTH, version="segmentation-3"
    )

    # then
    assert moves == 1
    assert history() == [
        ("S0", "occasional", DAY, NEXT_MONTH, "segmentation-1"),
        ("S0", "high_value_loyal", NEXT_MONTH, None, "segmentation-3"),
        ("S1", "at_risk", DAY, None, "segmentation-1"),
        ("S2", "price_sensitive", DAY, None, "segmentation-1"),
    ]


def test_an_earlier_day_leaves_a_history_that_starts_later_alone(customers):
    # given
    assign(customers, ["occasional", "at_risk", "price_sensitive"], as_of=NEXT_MONTH)
    before = history()

    # when
    moves = assign(customers, ["at_risk", "at_risk", "at_risk"], as_of=DAY, version="segmentation-0")

    # then
    assert moves == 0
    assert history() == before


def test_an_unknown_segment_key_is_refused_before_anything_is_written(customers):
    with pytest.raises(ValueError, match=r"^unknown segment keys \['vip'\]$"):
        assign(customers, ["occasional", "vip", "at_risk"], as_of=DAY)

    assert history() == []
