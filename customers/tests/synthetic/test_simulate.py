"""The simulator is deterministic, consistent, seasonal, and its churn shows in behaviour (no database needed)."""

import datetime
from typing import Any

import numpy as np
import pandas as pd
import pytest

from customers import geo
from customers.synthetic import calendar
from customers.synthetic.simulate import SyntheticData, n_days, simulate

END = datetime.date(2025, 6, 30)
CUTOFF = pd.Timestamp("2025-07-01", tz="Asia/Dhaka").tz_convert("UTC")  # end_date is the last simulated day
PHONE = r"^\+8801[3-9]\d{8}$"


@pytest.fixture(scope="module")
def data() -> SyntheticData:
    return simulate(n_customers=5000, years=3, seed=11, end_date=END)


@pytest.fixture(scope="module")
def per_customer(data: SyntheticData) -> pd.Series:
    """Bookings per customer, zero for those who never booked."""
    return data.bookings.groupby("customer_external_id").size().reindex(data.customers["external_id"], fill_value=0)


def _local(ts: pd.Series) -> pd.Series:
    return ts.dt.tz_convert("Asia/Dhaka")


def _per_day(bookings: pd.DataFrame, first: str, last: str) -> float:
    """Bookings per day between two Dhaka dates, inclusive."""
    day = _local(bookings["booked_at"]).dt.date
    lo, hi = datetime.date.fromisoformat(first), datetime.date.fromisoformat(last)
    return ((day >= lo) & (day <= hi)).sum() / ((hi - lo).days + 1)


def _category(bookings: pd.DataFrame, slug: str) -> pd.DataFrame:
    return bookings[bookings["service_slug"].str.startswith(f"{slug}-")]


# --- determinism -----------------------------------------------------------------------------------------------
def test_same_arguments_give_identical_frames_and_another_seed_differs():
    kwargs: dict[str, Any] = {"n_customers": 800, "years": 1.0, "end_date": END}
    first, again, other = simulate(seed=3, **kwargs), simulate(seed=3, **kwargs), simulate(seed=4, **kwargs)

    for name in ("providers", "customers", "bookings", "complaints", "competitor_searches"):
        pd.testing.assert_frame_equal(getattr(first, name), getattr(again, name))
    assert not first.customers.equals(other.customers)
    assert not first.bookings.equals(other.bookings)


def test_progress_reports_every_simulated_day():
    done: list[int] = []

    simulate(n_customers=200, years=0.5, seed=1, end_date=END, progress=done.append)

    assert sum(done) == n_days(0.5) == 182
    assert all(step > 0 for step in done)


# --- consistency -----------------------------------------------------------------------------------------------
def test_nothing_happens_after_end_date(data: SyntheticData):
    columns = {
        "customers": ["joined_at", "latent_churned_at"],
        "bookings": ["booked_at", "scheduled_at", "completed_at"],
        "complaints": ["created_at"],
        "competitor_searches": ["searched_at"],
        "providers": ["joined_at"],
    }
    for frame, names in columns.items():
        for name in names:
            values = getattr(data, frame)[name].dropna()
            assert str(values.dt.tz) == "UTC"
            assert (values < CUTOFF).all(), f"{frame}.{name}"
    start = pd.Timestamp(END - datetime.timedelta(days=n_days(3) - 1), tz="Asia/Dhaka")
    assert data.customers["joined_at"].min() >= start
    assert data.bookings["booked_at"].max() >= CUTOFF - pd.Timedelta(days=2)  # demand does not dry up at the end


def test_bookings_follow_sign_up_and_their_own_timeline(data: SyntheticData):
    b = data.bookings
    joined = b["customer_external_id"].map(data.customers.set_index("external_id")["joined_at"])

    assert (b["booked_at"] >= joined).all()
    assert (b["scheduled_at"] > b["booked_at"]).all()
    assert b["booked_at"].is_monotonic_increasing
    assert b["external_id"].is_unique
    assert b["external_id"].str.fullmatch(r"B\d{9}").all()
    done = b["status"] == "completed"
    assert b.loc[done, "completed_at"].notna().all()
    assert b.loc[~done, "completed_at"].isna().all()
    assert (b.loc[done, "completed_at"] > b.loc[done, "scheduled_at"]).all()
    # Orders are placed 08:00–21:00 Dhaka time (a first order can follow a late sign-up by a few minutes).
    hours = _local(b["booked_at"]).dt.hour
    assert ((hours >= 8) & (hours <= 21)).mean() > 0.99


def test_money_ratings_statuses_and_payments_are_in_range(data: SyntheticData):
    b = data.bookings
    assert (b["discount"] >= 0).all()
    assert (b["discount"] <= b["amount"]).all()
    assert (b["discount"] > 0).mean() == pytest.approx(0.22, abs=0.08)
    assert "other" not in set(b["service_slug"])
    assert set(b["status"]) == {"completed", "cancelled", "no_show"}
    assert 0.85 <= (b["status"] == "completed").mean() <= 0.92
    assert b.loc[b["status"] != "completed", "rating"].isna().all()
    rated = b["rating"].dropna()
    assert rated.between(1, 5).all()
    assert b.loc[b["status"] == "completed", "rating"].notna().mean() > 0.4
    assert set(b["payment_method"]) == {"cash", "bkash", "nagad", "card"}
    shares = b["payment_method"].value_counts(normalize=True)
    assert shares["cash"] + shares["bkash"] > 0.7
    area = b["customer_external_id"].map(data.customers.set_index("external_id")["area"])
    posh = area.isin(["Gulshan", "Banani", "Baridhara"])
    assert (b.loc[posh, "payment_method"] == "card").mean() > 3 * (b.loc[~posh, "payment_method"] == "card").mean()
    # Unassigned bookings are only ever cancelled ones.
    assert (b.loc[b["provider_external_id"].isna(), "status"] == "cancelled").all()


def test_people_and_providers_look_real(data: SyntheticData):
    c, p = data.customers, data.providers
    phones = pd.concat([c["phone"], p["phone"]])
    assert phones.str.fullmatch(PHONE).all()
    assert phones.is_unique
    assert c["external_id"].str.fullmatch(r"C\d{7}").all()
    assert p["external_id"].str.fullmatch(r"P\d{6}").all()
    for frame in (c, p):
        for city, area in zip(frame["city"], frame["area"], strict=True):
            assert area in geo.areas_of(city)
    assert set(c["gender"]) == {"female", "male"}
    assert set(c["age_band"]) == {"18-24", "25-34", "35-44", "45-54", "55+"}
    assert (c["language"] == "bn").mean() > 0.7
    emails = c["email"].dropna()
    assert 0.2 < len(emails) / len(c) < 0.7
    assert emails.is_unique
    assert emails.str.contains("@").all()
    # pandas-stubs allow .str.len() on strings only; on the split lists it counts their items
    assert c["name"].str.split().str.len().eq(2).all()  # type: ignore[misc]

    assert len(p) >= 45
    cells = p.groupby(["city", "category_slug"]).size()
    assert len(cells) == len(geo.CITY_WEIGHTS) * 9
    assert p["rating"].between(1, 5).all()
    assert 0.03 < (p["rating"] < 3.5).mean() < 0.3
    assert not (p["is_premium"] & ~p["is_verified"]).any()
    assert p.loc[p["is_premium"], "rating"].min() >= 4.5
    preferred = c["preferred_provider_external_id"].dropna()
    assert len(preferred) > 0
    assert preferred.isin(p["external_id"]).all()


def test_complaints_and_searches_refer_to_real_rows(data: SyntheticData):
    k, b, s = data.complaints, data.bookings.set_index("external_id"), data.competitor_searches
    assert k["booking_external_id"].isin(b.index).all()
    booking = b.loc[k["booking_external_id"]]
    assert (k["customer_external_id"].to_numpy() == booking["customer_external_id"].to_numpy()).all()
    assert (k["created_at"].to_numpy() > booking["scheduled_at"].to_numpy()).all()
    assert set(k["category"]) <= {"late", "quality", "behaviour", "price", "no_show", "damage", "other"}
    assert (k.loc[k["category"] == "no_show", "booking_external_id"].map(b["status"]) == "no_show").all()
    assert k["description"].str.len().gt(10).all()
    joined = s["customer_external_id"].map(data.customers.set_index("external_id")["joined_at"])
    assert (s["searched_at"] >= joined).all()
    assert s["category_slug"].isin(calendar.MONTHLY).all()


# --- seasonality -----------------------------------------------------------------------------------------------
def test_ac_demand_peaks_before_and_in_summer(data: SyntheticData):
    ac = _category(data.bookings, "ac")
    # The winter compared is the later one, so customer growth works against the assertion.
    summer, winter = _per_day(ac, "2024-04-01", "2024-06-30"), _per_day(ac, "2024-12-01", "2025-02-28")
    assert summer >= 2 * winter


def test_plumbing_rises_in_the_monsoon(data: SyntheticData):
    plumbing = _category(data.bookings, "plumbing")
    monsoon, winter = _per_day(plumbing, "2024-06-01", "2024-09-30"), _per_day(plumbing, "2024-12-01", "2025-02-28")
    assert monsoon > 1.2 * winter


@pytest.mark.parametrize("slug", ["cleaning", "beauty"])
def test_cleaning_and_beauty_surge_before_eid_and_drop_on_it(data: SyntheticData, slug: str):
    bookings = _category(data.bookings, slug)
    holiday_ratios = []
    for eid in (calendar.EID_UL_FITR[2024], calendar.EID_UL_ADHA[2024]):
        # Against the year centred on Eid, so the growth of the customer base cancels out.
        year = _per_day(bookings, str(eid - datetime.timedelta(days=182)), str(eid + datetime.timedelta(days=182)))
        before = _per_day(bookings, str(eid - datetime.timedelta(days=10)), str(eid - datetime.timedelta(days=1)))
        holiday_ratios.append(_per_day(bookings, str(eid), str(eid + datetime.timedelta(days=2))) / year)
        assert before > 1.5 * year
    # Three holiday days hold few bookings in a small simulation: judge both Eids together.
    assert np.mean(holiday_ratios) < 0.6


def test_seasonal_multipliers_follow_the_real_calendar():
    start = datetime.date(2024, 1, 1)
    season = calendar.seasonal_multipliers(start, 366)
    fitr = (calendar.EID_UL_FITR[2024] - start).days

    assert season["ac"][120:150].mean() > 4 * season["ac"][:45].mean()  # May vs January
    assert season["cleaning"][fitr - 3] > 1.8 * season["cleaning"][fitr + 20]
    assert season["cleaning"][fitr] < 0.4 * season["cleaning"][fitr - 1]
    assert calendar.eid_dates(2025) == [datetime.date(2025, 3, 31), datetime.date(2025, 6, 7)]
    assert len(calendar.eid_dates(2040)) >= 2  # outside the table Eid is extrapolated by lunar years


# --- churn shows in behaviour ----------------------------------------------------------------------------------
def test_a_complaint_about_the_first_booking_makes_another_booking_less_likely(
    data: SyntheticData, per_customer: pd.Series
):
    first = data.bookings.groupby("customer_external_id").head(1)
    complained = first["external_id"].isin(set(data.complaints["booking_external_id"]))
    # Only customers who joined early enough to have had the chance to book again.
    early = first["booked_at"] < CUTOFF - pd.Timedelta(days=180)
    again = first["customer_external_id"].map(per_customer) > 1

    with_complaint, without = again[complained & early].mean(), again[~complained & early].mean()
    assert (complained & early).sum() >= 50
    assert with_complaint < without - 0.1


def test_nobody_books_after_leaving(data: SyntheticData):
    churned_at = data.customers.set_index("external_id")["latent_churned_at"]
    when = data.bookings["customer_external_id"].map(churned_at)

    assert 0.4 < churned_at.notna().mean() < 0.8
    assert not (data.bookings["booked_at"] > when).any()


def test_customers_search_competitors_more_shortly_before_they_leave(data: SyntheticData):
    c, s = data.customers, data.competitor_searches
    churned_at = s["customer_external_id"].map(c.set_index("external_id")["latent_churned_at"])
    before = (s["searched_at"] < churned_at) & (s["searched_at"] >= churned_at - pd.Timedelta(days=30))
    left = c[c["latent_churned_at"].notna()]
    days_before = np.minimum((left["latent_churned_at"] - left["joined_at"]).dt.days, 30).sum()
    days_active = (c["latent_churned_at"].fillna(CUTOFF) - c["joined_at"]).dt.days.sum()

    rate_before = before.sum() / days_before
    rate_otherwise = (~before).sum() / (days_active - days_before)
    assert rate_before > 2.5 * rate_otherwise
    # Noisy, as in life: many leavers never searched.
    searched = c["external_id"].isin(set(s["customer_external_id"]))
    assert searched[c["latent_churned_at"].notna()].mean() < 0.6


def test_quality_focus_buys_better_providers_and_price_sensitivity_buys_promotions(data: SyntheticData):
    b = data.bookings.dropna(subset=["provider_external_id"])
    c = data.customers.set_index("external_id")
    rating = b["provider_external_id"].map(data.providers.set_index("external_id")["rating"])
    picky = b["customer_external_id"].map(c["latent_quality_focus"]) > 0.6
    thrifty = b["customer_external_id"].map(c["latent_price_sensitivity"]) > 0.6

    assert rating[picky].mean() > rating[~picky].mean() + 0.05
    assert b.loc[picky, "amount"].median() > b.loc[~picky, "amount"].median()
    assert (b.loc[thrifty, "discount"] > 0).mean() > 1.2 * (b.loc[~thrifty, "discount"] > 0).mean()


# --- shape -----------------------------------------------------------------------------------------------------
def test_most_customers_book_once_or_twice_and_a_core_books_often(per_customer: pd.Series):
    assert 0.5 <= (per_customer <= 2).mean() <= 0.75
    assert (per_customer >= 10).sum() >= 0.05 * len(per_customer)
    assert per_customer.mean() == pytest.approx(10, rel=0.35)  # ~1M bookings for 100k customers over 3 years
