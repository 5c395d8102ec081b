"""A date and time filter reaches the database in UTC, whatever offset the caller wrote, or is a 400."""

import datetime as dt

import pytest

from customers.tests.factories import CustomerFactory
from sheba_retention.common.filters import UtcIsoDateTimeField

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("written", "utc"),
    [
        ("2026-03-01T05:30:00+22:45", dt.datetime(2026, 2, 28, 6, 45, tzinfo=dt.UTC)),  # PostgreSQL refuses +22:45
        ("2026-03-01T00:00:00+06:00", dt.datetime(2026, 2, 28, 18, 0, tzinfo=dt.UTC)),
        ("2026-03-01T00:00:00Z", dt.datetime(2026, 3, 1, tzinfo=dt.UTC)),
    ],
)
def test_any_offset_is_read_as_utc(written, utc):
    moment = UtcIsoDateTimeField().clean(written)

    assert moment == utc
    assert moment.utcoffset() == dt.timedelta(0)


def test_an_offset_postgresql_refuses_still_filters(staff_client):
    # given
    CustomerFactory(joined_at=dt.datetime(2026, 2, 28, 7, tzinfo=dt.UTC))

    # when
    response = staff_client.get("/api/customers", {"joined_after": "2026-03-01T05:30:00+22:45"})

    # then
    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_a_moment_past_the_year_9999_in_utc_is_a_400_with_the_reason(staff_client):
    response = staff_client.get("/api/interventions/history", {"created_before": "9999-12-31T23:00:00-05:00"})

    assert response.status_code == 400
    assert response.json()["error"]["details"] == {
        "created_before": ["Enter a date and time between the years 1 and 9999 (UTC)."]
    }
