"""Bangladeshi calendar effects on demand: Eid dates, monthly seasons, pre-Eid rushes, holidays and campaigns."""

import datetime
from collections.abc import Sequence

import numpy as np

# Dates of Eid as observed in Bangladesh. They follow the local moon sighting committee, so they usually fall a
# day after Saudi Arabia's and may be off by a day from what is listed here; 2026 onwards are projections.
EID_UL_FITR: dict[int, datetime.date] = {
    2015: datetime.date(2015, 7, 18),
    2016: datetime.date(2016, 7, 7),
    2017: datetime.date(2017, 6, 26),
    2018: datetime.date(2018, 6, 16),
    2019: datetime.date(2019, 6, 5),
    2020: datetime.date(2020, 5, 25),
    2021: datetime.date(2021, 5, 14),
    2022: datetime.date(2022, 5, 3),
    2023: datetime.date(2023, 4, 22),
    2024: datetime.date(2024, 4, 11),
    2025: datetime.date(2025, 3, 31),
    2026: datetime.date(2026, 3, 21),
    2027: datetime.date(2027, 3, 10),
    2028: datetime.date(2028, 2, 27),
    2029: datetime.date(2029, 2, 15),
    2030: datetime.date(2030, 2, 5),
}
EID_UL_ADHA: dict[int, datetime.date] = {
    2015: datetime.date(2015, 9, 25),
    2016: datetime.date(2016, 9, 13),
    2017: datetime.date(2017, 9, 2),
    2018: datetime.date(2018, 8, 22),
    2019: datetime.date(2019, 8, 12),
    2020: datetime.date(2020, 8, 1),
    2021: datetime.date(2021, 7, 21),
    2022: datetime.date(2022, 7, 10),
    2023: datetime.date(2023, 6, 29),
    2024: datetime.date(2024, 6, 17),
    2025: datetime.date(2025, 6, 7),
    2026: datetime.date(2026, 5, 27),
    2027: datetime.date(2027, 5, 17),
    2028: datetime.date(2028, 5, 6),
    2029: datetime.date(2029, 4, 25),
    2030: datetime.date(2030, 4, 14),
}

# The Islamic (lunar) year, used only to extrapolate Eid outside the table so long simulations still get them.
LUNAR_YEAR_DAYS = 354.367
PRE_EID_DAYS = 10  # the shopping / cleaning / travel rush before Eid
EID_HOLIDAY_DAYS = 3  # Eid day and the two after: cities empty out, providers go home to their villages

# Monthly demand per category (January first), interpolated between month midpoints. December–February include
# the general winter lull, except beauty (winter is the wedding season) and painting (the dry season is when
# walls get painted; the monsoon is when they do not). AC demand follows the heat: it peaks April–June.
MONTHLY: dict[str, tuple[float, ...]] = {
    "ac": (0.35, 0.45, 1.10, 2.00, 2.30, 2.00, 1.50, 1.30, 1.10, 0.80, 0.50, 0.35),
    # Fans, IPS and generators suffer most in the hot, load-shedding months.
    "electrical": (0.80, 0.80, 1.00, 1.20, 1.25, 1.20, 1.15, 1.10, 1.05, 1.00, 0.95, 0.80),
    # Monsoon leaks, blocked drains and muddy water tanks.
    "plumbing": (0.75, 0.75, 0.85, 0.95, 1.05, 1.40, 1.55, 1.50, 1.35, 1.00, 0.90, 0.75),
    "cleaning": (0.85, 0.85, 1.00, 1.00, 1.00, 1.00, 1.00, 1.00, 1.00, 1.00, 0.95, 0.85),
    # Fridges and washing machines break down in the heat.
    "appliance": (0.80, 0.80, 1.00, 1.15, 1.20, 1.15, 1.10, 1.05, 1.00, 1.00, 0.95, 0.80),
    # Cockroaches and mosquitoes (dengue season) with the rains.
    "pest": (0.60, 0.60, 0.75, 0.90, 1.10, 1.45, 1.65, 1.70, 1.60, 1.30, 0.90, 0.60),
    "painting": (1.15, 1.15, 1.10, 1.00, 0.90, 0.70, 0.60, 0.60, 0.70, 1.00, 1.20, 1.20),
    "shifting": (0.85, 0.85, 1.00, 1.00, 1.00, 0.95, 0.95, 1.00, 1.00, 1.05, 1.00, 0.85),
    "beauty": (1.50, 1.35, 1.10, 1.00, 0.95, 0.90, 0.90, 0.90, 0.95, 1.05, 1.30, 1.55),
}
# Categories people rush to book before Eid (a clean, freshly painted home, new looks, moving before the holiday).
PRE_EID_SURGE: dict[str, float] = {"cleaning": 2.2, "painting": 2.0, "beauty": 2.6, "shifting": 1.8}
EID_HOLIDAY_FACTOR = 0.25
# Bangladesh's weekend is Friday–Saturday, when people are home to let a technician in (Monday = 0).
WEEKDAY_FACTOR = np.array([0.95, 0.95, 0.95, 0.95, 1.20, 1.10, 0.95])


def eid_dates(year: int) -> list[datetime.date]:
    """Both Eids of a Gregorian year (Eid-ul-Fitr first); outside the table they are extrapolated by lunar years."""
    dates = []
    for table in (EID_UL_FITR, EID_UL_ADHA):
        if year in table:
            dates.append(table[year])
            continue
        anchor = min(table, key=lambda y: abs(y - year))
        # Eid moves ~11 days earlier each Gregorian year; several can land in one year, keep those inside it.
        k0 = round((year - anchor) * 365.2425 / LUNAR_YEAR_DAYS)
        for k in (k0 - 1, k0, k0 + 1):
            day = table[anchor] + datetime.timedelta(days=round(k * LUNAR_YEAR_DAYS))
            if day.year == year:
                dates.append(day)
    return sorted(dates)


def _days(start: datetime.date, n_days: int) -> list[datetime.date]:
    return [start + datetime.timedelta(days=i) for i in range(n_days)]


def _eid_offsets(start: datetime.date, n_days: int) -> np.ndarray:
    """Days from each simulated day to the nearest Eid (negative before it), over every Eid near the range."""
    years = range(start.year - 1, (start + datetime.timedelta(days=n_days)).year + 2)
    eids = np.array([(d - start).days for y in years for d in eid_dates(y)])
    offsets = np.arange(n_days)[:, None] - eids[None, :]
    nearest = np.abs(offsets).argmin(axis=1)
    return offsets[np.arange(n_days), nearest]


def pre_eid_mask(start: datetime.date, n_days: int, days_before: int = PRE_EID_DAYS) -> np.ndarray:
    offset = _eid_offsets(start, n_days)
    return (offset >= -days_before) & (offset < 0)


def eid_holiday_mask(start: datetime.date, n_days: int) -> np.ndarray:
    offset = _eid_offsets(start, n_days)
    return (offset >= 0) & (offset < EID_HOLIDAY_DAYS)


def _monthly_curve(values: Sequence[float], days: list[datetime.date]) -> np.ndarray:
    """Piecewise-linear through the month midpoints, wrapping around the year, so seasons change smoothly."""
    day_of_year = np.array([d.timetuple().tm_yday for d in days], dtype=float)
    mids = np.array([15.0 + 30.44 * m for m in range(12)])
    xs = np.concatenate([mids - 365.25, mids, mids + 365.25])
    return np.interp(day_of_year, xs, np.tile(np.asarray(values, dtype=float), 3))


def seasonal_multipliers(
    start: datetime.date, n_days: int, categories: Sequence[str] | None = None
) -> dict[str, np.ndarray]:
    """Per-day demand multipliers (mean ~1) for each category slug over start .. start + n_days - 1.

    Combines the monthly season, the pre-Eid surge, the Eid holidays, month-end house moves and the weekend.
    """
    categories = list(MONTHLY) if categories is None else list(categories)
    days = _days(start, n_days)
    weekday = WEEKDAY_FACTOR[[d.weekday() for d in days]]
    offset = _eid_offsets(start, n_days)
    pre_eid = pre_eid_mask(start, n_days)
    # The rush builds up towards Eid: 60% of the full surge ten days before, 100% on the eve.
    ramp = np.where(pre_eid, 0.6 + 0.4 * (PRE_EID_DAYS + offset) / PRE_EID_DAYS, 0.0)
    holiday = eid_holiday_mask(start, n_days)
    day_of_month = np.array([d.day for d in days])
    # Rents run by calendar month, so families move in the last days and first days of a month.
    month_turn = (day_of_month >= 26) | (day_of_month <= 3)

    out: dict[str, np.ndarray] = {}
    for slug in categories:
        curve = _monthly_curve(MONTHLY.get(slug, (1.0,) * 12), days) * weekday
        surge = PRE_EID_SURGE.get(slug)
        if surge is not None:
            curve = curve * (1.0 + (surge - 1.0) * ramp)
        if slug == "shifting":
            curve = curve * np.where(month_turn, 1.9, 0.7)
        out[slug] = np.where(holiday, curve * EID_HOLIDAY_FACTOR, curve)
    return out


def campaign_mask(start: datetime.date, n_days: int) -> np.ndarray:
    """Days with a marketplace-wide promotion: the two weeks before each Eid, Pohela Boishakh, Victory Day, 11.11."""
    days = _days(start, n_days)
    pre_eid = pre_eid_mask(start, n_days, days_before=14)
    month_day = np.array([(d.month, d.day) for d in days])
    month, day = month_day[:, 0], month_day[:, 1]
    boishakh = (month == 4) & (day >= 10) & (day <= 14)
    victory = (month == 12) & (day >= 14) & (day <= 16)
    singles = (month == 11) & (day >= 10) & (day <= 11)
    return pre_eid | boishakh | victory | singles
