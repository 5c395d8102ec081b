"""A plain transaction log (customer id, date, amount) for one acquisition cohort, built to resemble real retail logs.

The marketplace simulator (``simulate.py``) writes a rich world in which churn follows from visible experiences;
models find it easy. Real logs are poorer: a customer id, a time and an amount, nothing else. This world is that
kind of log, and its process is deliberately *not* a buy-till-you-die model (Pareto/NBD, BG/NBD), so a classical
model fitted to it is an approximation, as on real data, and never the truth. What it does, and why:

- **One cohort, acquired over its first quarter.** Every customer's first purchase falls in the first
  ``ACQUISITION_DAYS`` (~90) days, in proportion to that day's demand and to a launch campaign that fades
  (``ACQUISITION_FADE_DAYS``); nobody joins later. This is the set-up of the classical studies (CDNOW's cohort
  of the first quarter of 1997), so calibration / holdout splits have the same meaning as there. A customer joins
  at their first purchase: that is all a log can say.
- **Two kinds of buyers.** ``REGULAR_SHARE`` of customers buy on a routine: the gaps between their purchases are
  gamma-renewal with shape ``REGULAR_GAP_SHAPE`` > 1 (near-periodic; a Poisson process has shape 1), the monthly
  cleaning or the quarterly AC service. The others are bursty: their needs come in episodes (a move, a
  breakdown, Eid), episodes are separated by over-dispersed gamma gaps (shape ``BURSTY_EPISODE_GAP_SHAPE`` < 1),
  and after each purchase another follows within days (mean ``BURST_GAP_MEAN_DAYS``) with probability
  ``BURST_FOLLOW_UP_P``. BTYD models assume Poisson purchasing while alive, i.e. neither.
- **Rates decay with the customer's age.** A customer's intensity is their base rate times
  ``RATE_FLOOR + (1 - RATE_FLOOR) * exp(-age / RATE_DECAY_DAYS)``: the novelty wears off and needs get met,
  so even a customer who never leaves buys less in their second half-year than in their first. BTYD keeps λ
  constant while alive. The decay and the seasons act through a time change: a customer's gaps are drawn in
  "operational time" (the integral of their intensity), so a regular buyer stays regular in relation to it.
- **Seasonality.** Demand is a monthly multiplier (``MONTHLY_DEMAND``: the winter lull, the pre-monsoon peak)
  times the ``PRE_EID_LIFT`` of the days before each Eid, the empty cities of the Eid holidays and the
  Friday-Saturday weekend (Eid dates and the holiday / weekend factors come from ``calendar.py``). It shapes both
  acquisition and repeat purchases (through operational time); burst follow-ups are not seasonal.
- **Heterogeneous dropout.** ``TRIAL_ONLY_SHARE`` (by kind of buyer) never come back after the first purchase;
  the others live a Weibull time with shape ``LIFETIME_WEIBULL_SHAPE`` < 1 (the longer one has stayed, the
  less likely one leaves tomorrow) and a scale that is log-normal across customers (``LIFETIME_MEDIAN_DAYS``,
  ``LIFETIME_SPREAD``). Dropout runs in calendar time and ignores purchases, unlike BG/NBD's coin toss after
  each purchase, and its hazard is not constant, unlike Pareto/NBD.
- **Spend depends on frequency and drifts.** A purchase's net amount (Tk, after any discount) is log-normal
  around the customer's own level, which rises with their purchase rate (``SPEND_FREQUENCY_ELASTICITY``: busy
  households buy bigger jobs) and varies between customers (``CUSTOMER_SPEND_SIGMA``), with purchase-to-purchase
  noise (``PURCHASE_SPEND_SIGMA``). Prices grow over calendar time (``PRICE_GROWTH_PER_YEAR``) and each customer's
  level drifts with their age (a slope drawn with ``SPEND_DRIFT_SIGMA_PER_YEAR``). Gamma-Gamma assumes spend
  independent of frequency and stationary; here it is neither.

Magnitudes are those of public retail logs (CDNOW-like): over a year about half of the cohort never buys again,
customers make 2-5 purchases on average, amounts sit around two thousand Tk. The tests measure each of these.

Days run from ``end_date + 1 day - months`` to ``end_date`` inclusive (Asia/Dhaka calendar days); nothing is
generated after the end of ``end_date`` in Dhaka. Everything is drawn from one ``numpy.random.default_rng(seed)``,
so equal arguments give equal data. The simulation steps through purchase rounds (the n-th purchase of every
customer still buying at once), never through customers.

``TransactionLog.to_csv`` writes the log as the import commands read it, and ``transaction_history`` is the History
that mlcore would load after that import, for tests that need no database.
"""

import datetime
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from customers import catalog
from customers.synthetic import calendar
from customers.synthetic.simulate import BOOK_HOUR_W, BOOK_HOURS, DHAKA_UTC_OFFSET_S
from mlcore.features import History

MIN_MONTHS, MAX_MONTHS = 9, 18
DHAKA_TZ = "Asia/Dhaka"
UTC_DTYPE: Final = "datetime64[us, UTC]"  # the database keeps microseconds, and history_load reads them so
DAYS_PER_YEAR = 365.25

# --- the cohort ---
ACQUISITION_DAYS = 90  # first purchases fall in the first quarter of the log
ACQUISITION_FADE_DAYS = 120.0  # the launch campaign's pull halves about every 83 days

# --- kinds of buyers and their rates (purchases a year at age 0 and average season, while alive) ---
REGULAR_SHARE = 0.35
REGULAR_RATE_SHAPE, REGULAR_RATE_MEAN = 2.0, 8.0
REGULAR_GAP_SHAPE = 3.0  # gamma-renewal gaps: coefficient of variation 1/sqrt(3) = 0.58
BURSTY_RATE_SHAPE, BURSTY_RATE_MEAN = 0.8, 3.0  # episodes a year
BURSTY_EPISODE_GAP_SHAPE = 0.6  # episode gaps more irregular than Poisson
BURST_FOLLOW_UP_P = 0.35  # after a bursty customer's purchase, another one within days (mean burst 1.5 purchases)
BURST_GAP_MEAN_DAYS = 4.0
BURST_MIN_GAP_DAYS = 0.05  # about an hour: a follow-up is a new order, not the same one twice

# --- decay of the purchase rate with the customer's age ---
RATE_FLOOR = 0.3
RATE_DECAY_DAYS = 120.0

# --- seasonality (January first); Eid and weekend effects from calendar.py ---
MONTHLY_DEMAND = (0.80, 0.85, 1.00, 1.15, 1.25, 1.15, 1.05, 1.05, 1.00, 0.95, 0.90, 0.85)
PRE_EID_LIFT = 1.8  # the days before each Eid (calendar.PRE_EID_DAYS): homes cleaned, things fixed

# --- dropout ---
TRIAL_ONLY_SHARE = {"regular": 0.10, "bursty": 0.25}  # gone after the first purchase
LIFETIME_WEIBULL_SHAPE = 0.7
LIFETIME_MEDIAN_DAYS = 300.0  # median of the customers' Weibull scales
LIFETIME_SPREAD = 0.9  # log-normal sigma of the scale across customers

# --- spend per purchase (net Tk) ---
AMOUNT_MEDIAN_TK = 1800.0  # a customer of median rate, at the start of the log
SPEND_FREQUENCY_ELASTICITY = 0.25  # log amount per log of the purchase rate
CUSTOMER_SPEND_SIGMA = 0.45
PURCHASE_SPEND_SIGMA = 0.55
PRICE_GROWTH_PER_YEAR = 0.09  # log points a year: Bangladeshi consumer prices
SPEND_DRIFT_SIGMA_PER_YEAR = 0.25  # each customer's own trend, in log points a year of their age
AMOUNT_MIN_TK = 100

CUSTOMER_ID_PREFIX, CUSTOMER_ID_WIDTH = "T", 6
# What the importer assigns a booking that names no service: the catalogue's default service and its category.
DEFAULT_CATEGORY = next(s.category for s in catalog.SERVICES if s.slug == catalog.DEFAULT_SERVICE_SLUG)


@dataclass(frozen=True)
class TransactionLog:
    """A log of purchases: who (external id), when (tz-aware UTC) and how much (net Tk); nothing else."""

    customers: pd.DataFrame  # external_id, joined_at (= the first purchase); in order of joining
    bookings: pd.DataFrame  # customer_external_id, booked_at, amount; in order of time
    start_date: datetime.date
    end_date: datetime.date

    def to_csv(self, directory: str | Path) -> tuple[Path, Path]:
        """Write ``customers.csv`` and ``bookings.csv`` in the columns the import commands read; return both paths.

        Times are Dhaka wall-clock with their offset, as the exports write them. customers.csv carries joined_at
        (the first purchase, nothing the bookings do not say already) so that importing it alone gives each
        customer the right joined_at: without it import_customers stamps the time of the import, which only the
        bookings' import later pulls back to the first purchase.
        """
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        customers_path, bookings_path = directory / "customers.csv", directory / "bookings.csv"
        pd.DataFrame(
            {"customer_id": self.customers["external_id"], "joined_at": _iso_local(self.customers["joined_at"])}
        ).to_csv(customers_path, index=False)
        pd.DataFrame(
            {
                "customer_id": self.bookings["customer_external_id"],
                "booked_at": _iso_local(self.bookings["booked_at"]),
                "amount": self.bookings["amount"].map("{:.2f}".format),
            }
        ).to_csv(bookings_path, index=False)
        return customers_path, bookings_path


def transaction_history(log: TransactionLog) -> History:
    """The log as mlcore's History, as ``predictions.selectors.history_load`` reads it after importing the CSVs.

    Customers get integer ids 1..n in order of joining (the order customers.csv lists and the importer inserts
    them). The importer stores a row with only id, date and amount as a completed booking of the catalogue's
    default service, without discount, rating or provider; complaints and searches are empty.
    """
    customer_id = pd.Series(np.arange(1, len(log.customers) + 1, dtype="int64"), index=log.customers["external_id"])
    raw = log.bookings.reset_index(drop=True)
    n = len(raw)
    bookings = pd.DataFrame(
        {
            "customer_id": raw["customer_external_id"].map(customer_id).astype("int64"),
            "booked_at": raw["booked_at"].astype(UTC_DTYPE),
            "amount": raw["amount"].astype(float),
            "discount": np.zeros(n),
            "status": pd.Series(["completed"] * n, dtype="str"),
            "rating": np.full(n, np.nan),
            "category": pd.Series([DEFAULT_CATEGORY] * n, dtype="str"),
            "provider_premium": np.zeros(n, dtype=bool),
            "provider_verified": np.zeros(n, dtype=bool),
        }
    )
    return History(
        customers=pd.DataFrame(
            {"customer_id": customer_id.to_numpy(), "joined_at": log.customers["joined_at"].reset_index(drop=True)}
        ),
        bookings=bookings,
        complaints=pd.DataFrame({"customer_id": pd.Series(dtype="int64"), "created_at": pd.Series(dtype=UTC_DTYPE)}),
        searches=pd.DataFrame({"customer_id": pd.Series(dtype="int64"), "searched_at": pd.Series(dtype=UTC_DTYPE)}),
    )


def start_of(end_date: datetime.date, months: int) -> datetime.date:
    """First day of a log of ``months`` whole months ending on ``end_date`` (inclusive): 12 months to 30 June start
    on 1 July, to 28 February on 1 March."""
    return (pd.Timestamp(end_date + datetime.timedelta(days=1)) - pd.DateOffset(months=months)).date()


def transactions_simulate(
    *, n_customers: int, months: int, seed: int, end_date: datetime.date, seasons: bool = True
) -> TransactionLog:
    """Simulate ``months`` months of one cohort's purchases ending on ``end_date`` (Dhaka, inclusive). Without
    ``seasons`` demand is the same every day (no month, Eid or weekend pattern): what separates the season's effect
    on a model from the age drift's (bench/bench_quality.py --seeds)."""
    if not MIN_MONTHS <= months <= MAX_MONTHS:
        raise ValueError(
            f"a transaction log covers {MIN_MONTHS} to {MAX_MONTHS} months (its cohort is acquired over the first "
            f"quarter and needs the rest to show repeat purchases); got {months}"
        )
    if n_customers < 1:
        raise ValueError("the number of customers must be at least 1")
    rng = np.random.default_rng(seed)
    start = start_of(end_date, months)
    days = (end_date - start).days + 1
    demand = _demand(start, days) if seasons else np.ones(days)
    buyers = _buyers(n_customers, demand, rng)
    customer, t = _purchases(buyers, demand, rng)
    amount = _amounts(buyers, customer, t, rng)
    booked = _booked_seconds(customer, t, start, rng)

    # Customers are numbered in the order of their first purchase, as a log's ids usually are.
    first = np.full(n_customers, np.iinfo(np.int64).max)
    np.minimum.at(first, customer, booked)
    joining = np.argsort(first, kind="stable")
    number = np.empty(n_customers, dtype=np.int64)
    number[joining] = np.arange(n_customers)
    customer = number[customer]
    order = np.lexsort((customer, booked))
    customer, booked, amount = customer[order], booked[order], amount[order]
    ids = np.array([f"{CUSTOMER_ID_PREFIX}{i:0{CUSTOMER_ID_WIDTH}d}" for i in range(1, n_customers + 1)], dtype=object)
    return TransactionLog(
        customers=pd.DataFrame({"external_id": ids, "joined_at": _utc(first[joining])}),
        bookings=pd.DataFrame(
            {"customer_external_id": ids[customer], "booked_at": _utc(booked), "amount": amount.astype(float)}
        ),
        start_date=start,
        end_date=end_date,
    )


# ---------------------------------------------------------------------------------------------------------------
# The world's pieces
# ---------------------------------------------------------------------------------------------------------------
def _demand(start: datetime.date, days: int) -> np.ndarray:
    """Marketplace demand per day (mean ~1): the month, the days before Eid, the Eid holidays, the weekend."""
    dates = pd.date_range(start, periods=days, freq="D")
    monthly = np.asarray(MONTHLY_DEMAND)[dates.month.to_numpy() - 1]
    weekday = calendar.WEEKDAY_FACTOR[dates.day_of_week.to_numpy()]
    eid = np.where(calendar.pre_eid_mask(start, days), PRE_EID_LIFT, 1.0)
    holiday = np.where(calendar.eid_holiday_mask(start, days), calendar.EID_HOLIDAY_FACTOR, 1.0)
    return monthly * weekday * eid * holiday


@dataclass
class _Buyers:
    """What each customer is, drawn once before they buy."""

    first: np.ndarray  # time of the first purchase, days since the start of the log
    regular: np.ndarray  # bool: a routine buyer (else bursty)
    rate: np.ndarray  # purchases (regular) or episodes (bursty) a year at age 0, average season
    death: np.ndarray  # time the customer stops buying, days since the start of the log
    spend_level: np.ndarray  # log Tk at the start of the log
    spend_drift: np.ndarray  # log points a year of the customer's age


def _buyers(n: int, demand: np.ndarray, rng: np.random.Generator) -> _Buyers:
    pull = demand[:ACQUISITION_DAYS] * np.exp(-np.arange(ACQUISITION_DAYS) / ACQUISITION_FADE_DAYS)
    first = rng.choice(ACQUISITION_DAYS, size=n, p=pull / pull.sum()) + rng.random(n)
    regular = rng.random(n) < REGULAR_SHARE
    rate = np.where(
        regular,
        rng.gamma(REGULAR_RATE_SHAPE, REGULAR_RATE_MEAN / REGULAR_RATE_SHAPE, n),
        rng.gamma(BURSTY_RATE_SHAPE, BURSTY_RATE_MEAN / BURSTY_RATE_SHAPE, n),
    )
    trial_only = rng.random(n) < np.where(regular, TRIAL_ONLY_SHARE["regular"], TRIAL_ONLY_SHARE["bursty"])
    scale = LIFETIME_MEDIAN_DAYS * np.exp(LIFETIME_SPREAD * rng.standard_normal(n))
    lifetime = np.where(trial_only, 0.0, scale * rng.weibull(LIFETIME_WEIBULL_SHAPE, n))
    # Spend follows the purchases a year the customer would make (a bursty episode brings 1/(1-p) of them).
    purchases_a_year = np.where(regular, rate, rate / (1 - BURST_FOLLOW_UP_P))
    spend_level = (
        np.log(AMOUNT_MEDIAN_TK)
        + SPEND_FREQUENCY_ELASTICITY * np.log(purchases_a_year / np.median(purchases_a_year))
        + CUSTOMER_SPEND_SIGMA * rng.standard_normal(n)
    )
    spend_drift = SPEND_DRIFT_SIGMA_PER_YEAR * rng.standard_normal(n)
    return _Buyers(first, regular, rate, first + lifetime, spend_level, spend_drift)


class _Clock:
    """Operational time of each customer: purchases a year × age decay × demand, integrated from their joining.

    Customers who joined on the same day share a curve, so one (ACQUISITION_DAYS, days + 1) table of cumulative
    intensity serves all; a customer's clock is that row times their rate. Within a day it runs linearly.
    """

    def __init__(self, demand: np.ndarray) -> None:
        days = len(demand)
        age = np.arange(days)[None, :] + 0.5 - np.arange(ACQUISITION_DAYS)[:, None]
        decay = RATE_FLOOR + (1 - RATE_FLOOR) * np.exp(-np.maximum(age, 0) / RATE_DECAY_DAYS)
        self.per_day = np.where(age > 0, decay * demand[None, :], 0.0) / DAYS_PER_YEAR  # (cohort day, day)
        self.cumulative = np.concatenate([np.zeros((ACQUISITION_DAYS, 1)), self.per_day.cumsum(axis=1)], axis=1)
        self.days = days
        # Rows laid end to end, each lifted above the previous, so one searchsorted inverts every customer's clock.
        self._lift = float(self.cumulative[:, -1].max()) + 1.0
        self._flat = (self.cumulative + self._lift * np.arange(ACQUISITION_DAYS)[:, None]).ravel()

    def at(self, row: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Unit-rate operational time of cohort rows ``row`` at times ``t`` (days, t < days)."""
        day = np.floor(t).astype(np.int64)
        return self.cumulative[row, day] + (t - day) * self.per_day[row, day]

    def time_of(self, row: np.ndarray, clock: np.ndarray) -> np.ndarray:
        """Inverse of ``at``: the time each row's clock shows ``clock``; ``days`` or more when beyond the log."""
        width = self.days + 1
        position = np.searchsorted(self._flat, clock + self._lift * row, side="right") - 1
        day = position - row * width
        beyond = day >= self.days
        day = np.minimum(day, self.days - 1)
        step = self.per_day[row, day]
        inside = (clock - self.cumulative[row, day]) / np.where(step > 0, step, 1.0)
        return np.where(beyond, float(self.days), day + np.clip(inside, 0.0, 1.0))


def _purchases(b: _Buyers, demand: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Every purchase as (customer index, time in days since the start), in rounds of one purchase per customer."""
    clock = _Clock(demand)
    row = np.floor(b.first).astype(np.int64)  # the customer's day of joining: their row of the clock
    t = b.first.copy()  # time of each customer's latest purchase
    on_clock = clock.at(row, t)  # ... and their clock then
    customers, times = [np.arange(len(t))], [t.copy()]
    buying = np.flatnonzero(b.death > b.first)
    while len(buying):
        regular = b.regular[buying]
        follow_up = ~regular & (rng.random(len(buying)) < BURST_FOLLOW_UP_P)
        shape = np.where(regular, REGULAR_GAP_SHAPE, BURSTY_EPISODE_GAP_SHAPE)
        # Gaps of unit mean in expected purchases; dividing by the rate turns them into the clock's units.
        gap = rng.gamma(shape, 1.0 / shape) / b.rate[buying]
        renewal = clock.time_of(row[buying], on_clock[buying] + gap)
        burst = t[buying] + BURST_MIN_GAP_DAYS + rng.exponential(BURST_GAP_MEAN_DAYS, len(buying))
        t_next = np.where(follow_up, burst, renewal)
        goes_on = (t_next < b.death[buying]) & (t_next < clock.days)
        buying, t_next, follow_up, gap = buying[goes_on], t_next[goes_on], follow_up[goes_on], gap[goes_on]
        on_clock[buying] = np.where(follow_up, clock.at(row[buying], t_next), on_clock[buying] + gap)
        t[buying] = t_next
        customers.append(buying)
        times.append(t_next)
    return np.concatenate(customers), np.concatenate(times)


def _amounts(b: _Buyers, customer: np.ndarray, t: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Net Tk of each purchase: the customer's level, price growth, their own drift and noise; whole Taka."""
    years = t / DAYS_PER_YEAR
    age_years = (t - b.first[customer]) / DAYS_PER_YEAR
    log_amount = (
        b.spend_level[customer]
        + PRICE_GROWTH_PER_YEAR * years
        + b.spend_drift[customer] * age_years
        + PURCHASE_SPEND_SIGMA * rng.standard_normal(len(t))
    )
    return np.maximum(np.round(np.exp(log_amount)), AMOUNT_MIN_TK)


def _booked_seconds(customer: np.ndarray, t: np.ndarray, start: datetime.date, rng: np.random.Generator) -> np.ndarray:
    """Epoch seconds: the purchase's Dhaka day at an hour people order; no customer has two orders in one second."""
    epoch_day = (start - datetime.date(1970, 1, 1)).days
    day = np.floor(t).astype(np.int64)
    # The hours the marketplace's customers order at: 08:00-21:00 Dhaka, peaks late morning and evening.
    hour = rng.choice(BOOK_HOURS, size=len(t), p=BOOK_HOUR_W / BOOK_HOUR_W.sum())
    seconds = (epoch_day + day) * 86400 - DHAKA_UTC_OFFSET_S + hour * 3600 + rng.integers(0, 3600, len(t))
    # A file without booking ids is keyed on (customer, time, amount): two orders of a customer in one second
    # would look like one repeated row. Move such a rare second order on by a second (it stays on its day).
    while True:
        order = np.lexsort((seconds, customer))
        clash = np.flatnonzero((np.diff(customer[order]) == 0) & (np.diff(seconds[order]) == 0))
        if not len(clash):
            return seconds
        seconds[order[clash + 1]] += 1


def _utc(seconds: np.ndarray) -> pd.Series:
    return pd.Series(pd.to_datetime(seconds, unit="s", utc=True)).astype(UTC_DTYPE)


def _iso_local(times: pd.Series) -> pd.Series:
    """UTC instants as Dhaka wall-clock ISO text with the offset (2025-01-31T14:05:09+06:00)."""
    return times.dt.tz_convert(DHAKA_TZ).dt.strftime("%Y-%m-%dT%H:%M:%S") + "+06:00"
