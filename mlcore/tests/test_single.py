import datetime as dt
from typing import cast

import numpy as np
import pandas as pd
import pytest

from mlcore.arrays import DatetimeArray
from mlcore.features import FEATURES, History, build_features
from mlcore.single import CustomerEvents, single_features
from mlcore.tests.conftest import AS_OF, BACKTEST_AS_OF

EMPTY_TIMES = np.array([], dtype="datetime64[us]")


def naive_utc(times: pd.Series) -> DatetimeArray:
    naive: DatetimeArray = times.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy().astype("datetime64[us]")
    return naive


def events_of(history: History) -> dict[int, CustomerEvents]:
    """Every customer's events as the real-time path receives them."""
    # groupby keys are the customer ids (ints); pandas' stubs cannot know a column's type
    bookings = cast(dict[int, pd.DataFrame], dict(tuple(history.bookings.groupby("customer_id"))))
    complaints = dict(tuple(history.complaints.groupby("customer_id")))
    searches = dict(tuple(history.searches.groupby("customer_id")))
    joined = history.customers.set_index("customer_id")["joined_at"]
    events = {}
    for pk, rows in bookings.items():
        events[pk] = CustomerEvents(
            joined_at=np.datetime64(joined[pk].tz_convert("UTC").tz_localize(None), "us"),
            booked_at=naive_utc(rows["booked_at"]),
            amount=rows["amount"].to_numpy(),
            discount=rows["discount"].to_numpy(),
            status=rows["status"].to_numpy(),
            rating=rows["rating"].to_numpy(dtype=float),
            category=rows["category"].to_numpy(),
            provider_premium=rows["provider_premium"].to_numpy(),
            provider_verified=rows["provider_verified"].to_numpy(),
            complaint_at=naive_utc(complaints[pk]["created_at"]) if pk in complaints else EMPTY_TIMES,
            search_at=naive_utc(searches[pk]["searched_at"]) if pk in searches else EMPTY_TIMES,
        )
    return events


@pytest.mark.parametrize("as_of", [AS_OF, BACKTEST_AS_OF, dt.date(2025, 4, 15)])
def test_single_customer_features_equal_the_batch_features_for_every_customer(
    sim_history: History, as_of: dt.date
) -> None:
    # given
    batch = build_features(sim_history, as_of)
    events = events_of(sim_history)

    # when
    single = pd.DataFrame.from_dict(
        {pk: values for pk, item in events.items() if (values := single_features(item, as_of)) is not None},
        orient="index",
    )

    # then
    assert sorted(single.index) == sorted(batch.index)
    single = single.loc[batch.index, list(FEATURES)]
    mismatched = ~np.isclose(single.to_numpy(), batch.to_numpy(), rtol=1e-9, atol=1e-9)
    assert not mismatched.any(), f"features differ: {sorted({FEATURES[j] for j in np.nonzero(mismatched)[1]})}"


def test_a_customer_whose_bookings_are_all_after_as_of_has_no_features(sim_history: History) -> None:
    events = events_of(sim_history)
    first = min(events)

    assert single_features(events[first], dt.date(2020, 1, 1)) is None
