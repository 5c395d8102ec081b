"""Small hand-made histories for exact checks: times are written as Dhaka wall-clock, stored as UTC like the app."""

import datetime as dt
from collections.abc import Iterable
from typing import Any, Final

import numpy as np
import pandas as pd

from mlcore.features import BOOKING_COLUMNS, History, cutoff_of

UTC_DTYPE: Final = "datetime64[ns, UTC]"


def dhaka(text: str) -> pd.Timestamp:
    """A Dhaka wall-clock time ("2026-02-28 23:00") as the UTC instant the database would hold."""
    return pd.Timestamp(text).tz_localize("Asia/Dhaka").tz_convert("UTC")


def booking(
    customer_id: int,
    when: str,
    *,
    amount: float = 1000.0,
    discount: float = 0.0,
    status: str = "completed",
    rating: float | None = None,
    category: str = "ac",
    premium: bool = False,
    verified: bool = True,
) -> dict[str, Any]:
    return {
        "customer_id": customer_id,
        "booked_at": dhaka(when),
        "amount": amount,
        "discount": discount,
        "status": status,
        "rating": np.nan if rating is None else float(rating),
        "category": category,
        "provider_premium": premium,
        "provider_verified": verified,
    }


def _times(rows: Iterable[tuple[int, str]], column: str) -> pd.DataFrame:
    rows = list(rows)
    return pd.DataFrame(
        {
            "customer_id": pd.Series([customer for customer, _ in rows], dtype="int64"),
            column: pd.Series([dhaka(when) for _, when in rows], dtype=UTC_DTYPE),
        }
    )


def make_history(
    bookings: list[dict[str, Any]],
    *,
    joined: dict[int, str] | None = None,
    complaints: Iterable[tuple[int, str]] = (),
    searches: Iterable[tuple[int, str]] = (),
) -> History:
    """`joined` defaults to each customer's first booking time."""
    frame = pd.DataFrame(bookings, columns=list(BOOKING_COLUMNS))
    frame["booked_at"] = frame["booked_at"].astype(UTC_DTYPE)
    frame["customer_id"] = frame["customer_id"].astype("int64")
    for column in ("amount", "discount", "rating"):
        frame[column] = frame[column].astype(float)
    if joined is None:
        first = frame.groupby("customer_id")["booked_at"].min()
        customers = pd.DataFrame({"customer_id": first.index.astype("int64"), "joined_at": first.to_numpy()})
    else:
        customers = _times(joined.items(), "joined_at")
    return History(
        customers=customers,
        bookings=frame,
        complaints=_times(complaints, "created_at"),
        searches=_times(searches, "searched_at"),
    )


def regular_history(
    n_customers: int, *, first: dt.date, last: dt.date, every_days: int = 14, stop: dict[int, dt.date] | None = None
) -> History:
    """Customers 1..n each booking every `every_days` days from `first` (staggered by a day each) until `last`,
    or until their own date in `stop`."""
    stop = stop or {}
    rows = []
    for customer in range(1, n_customers + 1):
        end = stop.get(customer, last)
        day = first + dt.timedelta(days=customer % every_days)
        while day <= end:
            rows.append(booking(customer, f"{day} 12:00", amount=500.0 + 10 * customer))
            day += dt.timedelta(days=every_days)
    return make_history(rows)


def history_before(history: History, day: dt.date) -> History:
    """The history as it was known at the start of `day` in Dhaka: every later event removed."""
    cutoff = cutoff_of(day)
    return History(
        customers=history.customers,
        bookings=history.bookings[history.bookings["booked_at"] < cutoff].reset_index(drop=True),
        complaints=history.complaints[history.complaints["created_at"] < cutoff].reset_index(drop=True),
        searches=history.searches[history.searches["searched_at"] < cutoff].reset_index(drop=True),
    )


def transactions_only(history: History) -> History:
    """`history` as a bare transaction log shows it: one row per completed booking with the customer, the time and
    the amount paid, and nothing else (one category, no discounts, ratings or providers, no complaints or searches,
    no sign-up dates: each customer joins with their first booking)."""
    done = history.bookings[history.bookings["status"] == "completed"]
    bookings = pd.DataFrame(
        {
            "customer_id": done["customer_id"].to_numpy(dtype="int64"),
            "booked_at": done["booked_at"].reset_index(drop=True),
            "amount": (done["amount"] - done["discount"]).to_numpy(dtype=float),
            "discount": 0.0,
            "status": "completed",
            "rating": np.full(len(done), np.nan),
            "category": "other",
            "provider_premium": False,
            "provider_verified": False,
        },
        columns=list(BOOKING_COLUMNS),
    )
    first = bookings.groupby("customer_id")["booked_at"].min()
    return History(
        customers=pd.DataFrame({"customer_id": first.index.astype("int64"), "joined_at": first.to_numpy()}),
        bookings=bookings,
        complaints=_times((), "created_at"),
        searches=_times((), "searched_at"),
    )
