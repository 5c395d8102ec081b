"""Point-in-time customer features: what was known about each customer at the start of `as_of`, and nothing later.

Inputs are plain frames (the Django side loads them with set-based queries); every statistic is a pandas
group-by, never a loop over customers. A customer's row uses only events strictly before the cutoff, the start of
`as_of` in Dhaka, so adding later bookings can never change it (tested).
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

LOCAL_TZ = "Asia/Dhaka"
DAYS_PER_YEAR = 365.25
MIN_TENURE_DAYS = 90  # frequencies of brand-new customers are measured over at least this long

# Bangladeshi seasons as the marketplace feels them (month numbers).
SEASONS: dict[str, tuple[int, ...]] = {
    "summer": (4, 5, 6),  # pre-monsoon heat: AC servicing
    "monsoon": (7, 8, 9),  # plumbing, pest control
    "autumn": (10, 11),  # post-monsoon, wedding season starts
    "winter": (12, 1, 2, 3),  # the lull
}
SEASON_OF_MONTH = {month: season for season, months in SEASONS.items() for month in months}
SEASON_START_MONTH = {season: months[0] for season, months in SEASONS.items()}

BOOKING_COLUMNS = (
    "customer_id", "booked_at", "amount", "discount", "status", "rating", "category", "provider_premium",
    "provider_verified",
)  # fmt: skip
COMPLAINT_COLUMNS = ("customer_id", "created_at")
SEARCH_COLUMNS = ("customer_id", "searched_at")
CUSTOMER_COLUMNS = ("customer_id", "joined_at")

FEATURES: tuple[str, ...] = (
    "days_since_last_booking",
    "days_since_first_booking",
    "tenure_days",
    "bookings_total",
    "bookings_30d",
    "bookings_90d",
    "bookings_180d",
    "bookings_365d",
    "bookings_per_year",
    "active_months_365d",
    "spend_total",
    "spend_avg",
    "spend_90d",
    "spend_365d",
    "btyd_recency_days",
    "btyd_age_days",
    "gap_mean_days",
    "gap_std_days",
    "gap_last_days",
    "overdue_ratio",
    "service_diversity",
    "discount_share",
    "discount_pct_avg",
    "premium_share",
    "verified_share",
    "rating_avg",
    "low_ratings",
    "unrated_share",
    "complaints_total",
    "complaints_90d",
    "days_since_last_complaint",
    "competitor_searches_total",
    "competitor_searches_30d",
    "competitor_searches_90d",
    "cancellations_total",
    "no_shows_total",
    "cancel_share",
    "share_summer",
    "share_monsoon",
    "share_autumn",
    "share_winter",
    "usual_season_upcoming",
    "days_to_usual_season",
)


# A column is informative when at least this share of the rows (and at least one row) holds something other than its
# most common value. Below that it carries nothing to learn from or to name a segment after: zero variance, or a
# handful of rows that standardising would blow up into a cluster of their own. A bare transaction log (customer,
# date, amount) leaves every discount, provider, rating, complaint and search feature at one value.
MIN_VARYING_SHARE = 0.01


class TrainingDataError(ValueError):
    """The history cannot support training (too few customers, one class only, too short)."""


class HistoryTooShort(TrainingDataError):
    """The history is too short to validate a model out of time: a classical model can be served instead."""


@dataclass(frozen=True)
class History:
    """Everything the features are computed from. Times are timezone-aware UTC."""

    customers: pd.DataFrame  # customer_id, joined_at
    bookings: pd.DataFrame  # BOOKING_COLUMNS; status in completed/cancelled/no_show
    complaints: pd.DataFrame  # customer_id, created_at
    searches: pd.DataFrame  # customer_id, searched_at

    def __post_init__(self) -> None:
        for name, frame, columns in (
            ("customers", self.customers, CUSTOMER_COLUMNS),
            ("bookings", self.bookings, BOOKING_COLUMNS),
            ("complaints", self.complaints, COMPLAINT_COLUMNS),
            ("searches", self.searches, SEARCH_COLUMNS),
        ):
            missing = [column for column in columns if column not in frame.columns]
            if missing:
                raise ValueError(f"{name} frame lacks columns {missing}")


def cutoff_of(as_of: dt.date) -> pd.Timestamp:
    """The first instant not known at `as_of`: midnight starting that day in Dhaka, as UTC."""
    return pd.Timestamp(as_of).tz_localize(LOCAL_TZ).tz_convert("UTC")


def build_features(history: History, as_of: dt.date, customer_ids: pd.Index | None = None) -> pd.DataFrame:
    """One row per customer with at least one booking before `as_of` (optionally only `customer_ids`).

    Columns are FEATURES, in that order, all float; the index is customer_id.
    """
    cutoff = cutoff_of(as_of)
    bookings = history.bookings[history.bookings["booked_at"] < cutoff]
    if customer_ids is not None:
        bookings = bookings[bookings["customer_id"].isin(customer_ids)]
    population = pd.Index(np.sort(bookings["customer_id"].unique()), name="customer_id")
    out = pd.DataFrame(index=population)
    if population.empty:
        return pd.DataFrame(columns=list(FEATURES), index=population, dtype=float)

    age_days = (cutoff - bookings["booked_at"]).dt.total_seconds() / 86_400
    bookings = bookings.assign(age_days=age_days)
    completed = bookings[bookings["status"] == "completed"]

    _activity(out, bookings, completed, history.customers, cutoff)
    _spend(out, completed)
    _gaps(out, completed)
    _preferences(out, completed)
    _problems(out, bookings, history.complaints, history.searches, cutoff)
    _seasons(out, completed, as_of)
    return out[list(FEATURES)].astype(float)


def _count_within(frame: pd.DataFrame, days: float, index: pd.Index) -> pd.Series:
    return frame[frame["age_days"] <= days].groupby("customer_id").size().reindex(index, fill_value=0)


def _activity(
    out: pd.DataFrame, bookings: pd.DataFrame, completed: pd.DataFrame, customers: pd.DataFrame, cutoff: pd.Timestamp
) -> None:
    index = out.index
    # Recency counts any booking (a cancelled order still shows intent); history length starts at the first one.
    by_customer = bookings.groupby("customer_id")["age_days"]
    out["days_since_last_booking"] = by_customer.min().reindex(index)
    out["days_since_first_booking"] = by_customer.max().reindex(index)
    joined = customers.set_index("customer_id")["joined_at"].reindex(index)
    tenure = (cutoff - joined).dt.total_seconds() / 86_400
    out["tenure_days"] = np.fmax(tenure.fillna(out["days_since_first_booking"]), out["days_since_first_booking"])
    out["bookings_total"] = completed.groupby("customer_id").size().reindex(index, fill_value=0)
    for days in (30, 90, 180, 365):
        out[f"bookings_{days}d"] = _count_within(completed, days, index)
    years = np.maximum(out["tenure_days"], MIN_TENURE_DAYS) / DAYS_PER_YEAR
    out["bookings_per_year"] = out["bookings_total"] / years
    recent = completed[completed["age_days"] <= 365]
    months = (recent["age_days"] // 30.4375).astype(int)  # months back from the cutoff, 0-11
    out["active_months_365d"] = months.groupby(recent["customer_id"]).nunique().reindex(index, fill_value=0)
    # Buy-till-you-die inputs over completed bookings: age = since the first, recency = first to last (-1: none yet).
    done = completed.groupby("customer_id")["age_days"]
    first, last = done.max().reindex(index), done.min().reindex(index)
    out["btyd_age_days"] = first.fillna(-1.0)
    out["btyd_recency_days"] = (first - last).fillna(-1.0)


def _spend(out: pd.DataFrame, completed: pd.DataFrame) -> None:
    index = out.index
    net = completed["amount"] - completed["discount"]
    spend = completed.assign(net=net)
    out["spend_total"] = spend.groupby("customer_id")["net"].sum().reindex(index, fill_value=0.0)
    out["spend_avg"] = spend.groupby("customer_id")["net"].mean().reindex(index, fill_value=0.0)
    for days in (90, 365):
        recent = spend[spend["age_days"] <= days]
        out[f"spend_{days}d"] = recent.groupby("customer_id")["net"].sum().reindex(index, fill_value=0.0)


def _gaps(out: pd.DataFrame, completed: pd.DataFrame) -> None:
    """Inter-booking gaps: how regular a customer is, and how overdue the next booking is."""
    index = out.index
    ordered = completed.sort_values(["customer_id", "age_days"], ascending=[True, False])
    gap = -ordered.groupby("customer_id")["age_days"].diff()  # days between consecutive completed bookings
    gaps = ordered.assign(gap=gap).dropna(subset=["gap"])
    grouped = gaps.groupby("customer_id")["gap"]
    out["gap_mean_days"] = grouped.mean().reindex(index)
    out["gap_std_days"] = grouped.std(ddof=0).reindex(index)
    out["gap_last_days"] = grouped.last().reindex(index)
    # Customers with one booking have no gap yet: their "typical gap" is unknown, so the ratio uses a year.
    typical = out["gap_mean_days"].fillna(DAYS_PER_YEAR).clip(lower=7)
    out["overdue_ratio"] = out["days_since_last_booking"] / typical
    out[["gap_mean_days", "gap_std_days", "gap_last_days"]] = out[
        ["gap_mean_days", "gap_std_days", "gap_last_days"]
    ].fillna(-1.0)  # -1: no second booking yet (trees split on it; it is not a real gap)


def _preferences(out: pd.DataFrame, completed: pd.DataFrame) -> None:
    index = out.index
    grouped = completed.groupby("customer_id")
    out["service_diversity"] = grouped["category"].nunique().reindex(index, fill_value=0)
    discounted = completed["discount"] > 0
    pct = (completed["discount"] / completed["amount"].where(completed["amount"] > 0)).fillna(0.0)
    frame = completed.assign(
        discounted=discounted.astype(float),
        discount_pct=pct,
        premium=completed["provider_premium"].astype(float),
        verified=completed["provider_verified"].astype(float),
        rated=completed["rating"].notna().astype(float),
        low=(completed["rating"] <= 2).astype(float),
    )
    grouped = frame.groupby("customer_id")
    out["discount_share"] = grouped["discounted"].mean().reindex(index, fill_value=0.0)
    out["discount_pct_avg"] = grouped["discount_pct"].mean().reindex(index, fill_value=0.0)
    out["premium_share"] = grouped["premium"].mean().reindex(index, fill_value=0.0)
    out["verified_share"] = grouped["verified"].mean().reindex(index, fill_value=0.0)
    out["rating_avg"] = grouped["rating"].mean().reindex(index).fillna(0.0)  # 0: never rated
    out["low_ratings"] = grouped["low"].sum().reindex(index, fill_value=0.0)
    out["unrated_share"] = 1.0 - grouped["rated"].mean().reindex(index, fill_value=0.0)


def _problems(
    out: pd.DataFrame,
    bookings: pd.DataFrame,
    complaints: pd.DataFrame,
    searches: pd.DataFrame,
    cutoff: pd.Timestamp,
) -> None:
    index = out.index
    known = complaints[(complaints["created_at"] < cutoff) & complaints["customer_id"].isin(index)]
    known = known.assign(age_days=(cutoff - known["created_at"]).dt.total_seconds() / 86_400)
    out["complaints_total"] = known.groupby("customer_id").size().reindex(index, fill_value=0)
    out["complaints_90d"] = _count_within(known, 90, index)
    out["days_since_last_complaint"] = known.groupby("customer_id")["age_days"].min().reindex(index).fillna(-1.0)

    seen = searches[(searches["searched_at"] < cutoff) & searches["customer_id"].isin(index)]
    seen = seen.assign(age_days=(cutoff - seen["searched_at"]).dt.total_seconds() / 86_400)
    out["competitor_searches_total"] = seen.groupby("customer_id").size().reindex(index, fill_value=0)
    out["competitor_searches_30d"] = _count_within(seen, 30, index)
    out["competitor_searches_90d"] = _count_within(seen, 90, index)

    flags = bookings.assign(
        cancelled=(bookings["status"] == "cancelled").astype(float),
        no_show=(bookings["status"] == "no_show").astype(float),
    ).groupby("customer_id")
    out["cancellations_total"] = flags["cancelled"].sum().reindex(index, fill_value=0.0)
    out["no_shows_total"] = flags["no_show"].sum().reindex(index, fill_value=0.0)
    all_bookings = flags.size().reindex(index, fill_value=0)
    out["cancel_share"] = (out["cancellations_total"] + out["no_shows_total"]) / all_bookings.clip(lower=1)


def _seasons(out: pd.DataFrame, completed: pd.DataFrame, as_of: dt.date) -> None:
    """Share of bookings per season, and whether the customer's busiest season is about to start."""
    index = out.index
    months = completed["booked_at"].dt.tz_convert(LOCAL_TZ).dt.month
    season = months.map(SEASON_OF_MONTH)
    counts = pd.crosstab(completed["customer_id"], season).reindex(index=index, columns=list(SEASONS), fill_value=0)
    shares = counts.div(counts.sum(axis=1).clip(lower=1), axis=0)
    for name in SEASONS:
        out[f"share_{name}"] = shares[name]
    usual = shares.idxmax(axis=1).where(counts.sum(axis=1) > 0)
    days_to = {name: _days_until_season(as_of, name) for name in SEASONS}
    out["days_to_usual_season"] = usual.map(days_to).fillna(-1.0)
    out["usual_season_upcoming"] = ((out["days_to_usual_season"] >= 0) & (out["days_to_usual_season"] <= 60)).astype(
        float
    )


def _days_until_season(as_of: dt.date, season: str) -> int:
    """Days from `as_of` until `season` starts; 0 while it is under way."""
    if SEASON_OF_MONTH[as_of.month] == season:
        return 0
    month = SEASON_START_MONTH[season]
    year = as_of.year if (as_of.month, as_of.day) <= (month, 1) else as_of.year + 1
    return (dt.date(year, month, 1) - as_of).days


def uninformative_features(
    frame: pd.DataFrame, candidates: Sequence[str], *, min_share: float = MIN_VARYING_SHARE
) -> dict[str, str]:
    """The `candidates` that (almost) do not vary in `frame`, in the order given, each with why in words.

    A column is uninformative when fewer than `min_share` of the rows, or none, differ from its most common value
    (NaN counts as a value). `min_share=0` leaves out only columns with zero variance.
    """
    if not 0.0 <= min_share < 1.0:
        raise ValueError(f"min_share must be within [0, 1), got {min_share}")
    missing = [column for column in candidates if column not in frame.columns]
    if missing:
        raise ValueError(f"frame lacks candidate column(s) {missing}")
    rows = len(frame)
    left_out: dict[str, str] = {}
    for column in dict.fromkeys(candidates):
        if rows == 0:
            left_out[column] = "no rows"
            continue
        counts = frame[column].value_counts(dropna=False, sort=True)
        mode, differ = counts.index[0], rows - int(counts.iloc[0])
        if differ == 0:
            left_out[column] = f"constant: {_value_text(mode)} in every row"
        elif differ < min_share * rows:
            left_out[column] = f"nearly constant: {_value_text(mode)} in all but {differ:,} of {rows:,} rows"
    return left_out


def informative_features(
    frame: pd.DataFrame, candidates: Sequence[str], *, min_share: float = MIN_VARYING_SHARE
) -> list[str]:
    """The `candidates` that vary in `frame`, in the order given: the rest of uninformative_features."""
    left_out = uninformative_features(frame, candidates, min_share=min_share)
    return [column for column in dict.fromkeys(candidates) if column not in left_out]


def _value_text(value: object) -> str:
    if pd.isna(value):  # type: ignore[call-overload]
        return "missing"
    return f"{value:g}" if isinstance(value, float | np.floating) else str(value)


def informative_columns(matrix: np.ndarray, names: list[str]) -> list[str]:
    """The names of the columns that carry information in `matrix`: not constant, and not an exact copy of an
    earlier column.

    A log without services, providers or ratings has constant columns for them, and a history shorter than a
    feature's window makes the windowed count a copy of the total (bookings in 365 days on nine months of data).
    Leaving them out keeps them out of the trees, the explanations and the drift between training and scoring (a
    windowed copy in training stops being one once the history grows past the window).
    """
    seen: set[bytes] = set()
    kept = []
    for column, name in enumerate(names):
        values = np.ascontiguousarray(matrix[:, column])
        if len(values) == 0 or np.all(values == values[0]):
            continue
        key = values.tobytes()
        if key in seen:
            continue
        seen.add(key)
        kept.append(name)
    return kept
