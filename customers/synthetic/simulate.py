"""Seeded, vectorised simulator of a Bangladeshi home-services marketplace whose churn follows from behaviour.

The simulation steps through days (never through customers): on each day every active customer may leave
(a hazard process fed by their experiences), book (a rate shaped by season, promotions and state) or search a
competitor. Everything is drawn from one ``numpy.random.default_rng(seed)``, so equal arguments give equal data.

Days run from ``end_date - n_days(years) + 1`` to ``end_date`` inclusive (Asia/Dhaka calendar days); no timestamp
is generated after the end of ``end_date`` in Dhaka. Bookings whose service would fall after that are not emitted
(orders still open at the export are not history yet), nor complaints that would be filed after it.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from customers import catalog, geo
from customers.synthetic import calendar
from mlcore.features import History

# ---------------------------------------------------------------------------------------------------------------
# Reference data as arrays
# ---------------------------------------------------------------------------------------------------------------
CATEGORIES = [c.slug for c in catalog.CATEGORIES if c.slug != catalog.DEFAULT_SERVICE_SLUG]
CAT_INDEX = {slug: i for i, slug in enumerate(CATEGORIES)}
SERVICES = [s for s in catalog.SERVICES if s.slug != catalog.DEFAULT_SERVICE_SLUG]
SVC_SLUG = np.array([s.slug for s in SERVICES], dtype=object)
SVC_CAT = np.array([CAT_INDEX[s.category] for s in SERVICES])
SVC_MIN = np.array([float(s.min_price) for s in SERVICES])
SVC_MAX = np.array([float(s.max_price) for s in SERVICES])

CITIES = list(geo.CITY_WEIGHTS)
CITY_P = np.array([geo.CITY_WEIGHTS[c] for c in CITIES]) / sum(geo.CITY_WEIGHTS.values())
AREA_CITY = np.array([ci for ci, city in enumerate(CITIES) for _ in geo.AREAS[city]])
AREA_NAME = np.array([name for city in CITIES for name, _ in geo.AREAS[city]], dtype=object)
AREA_W = np.array([w for city in CITIES for _, w in geo.AREAS[city]])
# Where card payments, English-language apps and premium providers are common.
POSH_AREAS = {"Gulshan", "Banani", "Baridhara", "Bashundhara", "Dhanmondi", "Khulshi", "Panchlaish"}
CARD_AREAS = {"Gulshan", "Banani", "Baridhara"}
AREA_POSH = np.array([name in POSH_AREAS for name in AREA_NAME])
AREA_CARD = np.array([name in CARD_AREAS for name in AREA_NAME])

GENDERS = np.array(["female", "male"], dtype=object)
AGE_BANDS = np.array(["18-24", "25-34", "35-44", "45-54", "55+"], dtype=object)
AGE_P = np.array([0.14, 0.38, 0.26, 0.14, 0.08])
STATUSES = np.array(["completed", "cancelled", "no_show"], dtype=object)
PAYMENTS = np.array(["cash", "bkash", "nagad", "card"], dtype=object)
PAY_P = np.array([0.47, 0.36, 0.12, 0.05])
PAY_P_CARD_AREA = np.array([0.28, 0.30, 0.07, 0.35])
COMPETITORS = np.array(["Hello Task", "Halda", "ServicePlus", "Urban Fix", "GharBari Pro", "FixIt Dhaka"], dtype=object)
COMPETITOR_P = np.array([0.30, 0.20, 0.18, 0.14, 0.10, 0.08])

# How common each category is in a typical customer's needs (Dirichlet base), before person-level tilts.
CAT_POPULARITY = {
    "ac": 1.5, "electrical": 1.2, "plumbing": 1.0, "cleaning": 1.3, "appliance": 0.8,
    "pest": 0.5, "painting": 0.3, "shifting": 0.35, "beauty": 0.7,
}  # fmt: skip
CAT_POP = np.array([CAT_POPULARITY[c] for c in CATEGORIES])
# Service mix inside a category; beauty depends on gender (index 0 female, 1 male).
SERVICE_WEIGHT = {
    "ac-basic-servicing": 0.45, "ac-master-servicing": 0.25, "ac-gas-refill": 0.18, "ac-installation": 0.12,
    "electrical-wiring": 0.35, "electrical-fan-light": 0.45, "electrical-ips": 0.20,
    "plumbing-leak": 0.45, "plumbing-pipe": 0.30, "plumbing-water-tank": 0.25,
    "cleaning-home-deep": 0.35, "cleaning-bathroom": 0.45, "cleaning-sofa-carpet": 0.20,
    "appliance-fridge": 0.40, "appliance-washing-machine": 0.30, "appliance-tv": 0.30,
    "pest-cockroach": 0.50, "pest-termite": 0.15, "pest-mosquito": 0.35,
    "painting-room": 0.80, "painting-full-home": 0.20,
    "shifting-house": 0.88, "shifting-office": 0.12,
}  # fmt: skip
BEAUTY_WEIGHT = {
    "beauty-facial": (0.88, 0.06),
    "beauty-bridal": (0.12, 0.0),
    "beauty-haircut-men": (0.0, 0.94),
}
BOOK_HOUR_W = np.array([3, 5, 7, 8, 7, 6, 5, 5, 5, 6, 7, 8, 7, 4], dtype=float)  # 08:00–21:00 Dhaka
BOOK_HOURS = np.arange(8, 22)

# ---------------------------------------------------------------------------------------------------------------
# Behavioural parameters (tuned so 100k customers × 3 years give ~1M bookings and most newcomers leave early)
# ---------------------------------------------------------------------------------------------------------------
DHAKA_UTC_OFFSET_S = 6 * 3600
CUSTOMERS_PER_PROVIDER = 40
SIGNUP_GROWTH_PER_YEAR = 1.6
RATE_SHAPE, RATE_SCALE, RATE_CAP = 0.3, 36.0, 60.0  # bookings/year: most rare, a heavy tail of regulars
NEVER_PROMPT_SHARE = 0.07  # sign-ups who do not place a first order right away
PROMO_LIFT = 2.0  # extra booking propensity of a fully price-sensitive customer during a promotion
WAVER_BOOKING_FACTOR = 0.35  # customers who are shopping around book less
WAVER_MEAN_DAYS = 21
WAVER_LEAVE_P = 0.8  # the rest settle back
# Daily hazard: high for newcomers, falls with the number of completed bookings (habit).
HAZARD_FLOOR, HAZARD_NEW, HAZARD_HABIT_POWER = 0.0004, 0.022, 1.3
# Multipliers of the hazard per unit of (decaying) complaints, bad experiences and competitor searches, and for a
# fully price-sensitive customer who has not had a discount for eight months.
HAZARD_PER_COMPLAINT, HAZARD_PER_BAD_EXPERIENCE, HAZARD_PER_SEARCH, HAZARD_NO_DISCOUNT = 10.0, 1.2, 0.8, 1.5
# Half-lives of the memories that raise the hazard, in days.
COMPLAINT_HALF_LIFE, BAD_HALF_LIFE, SEARCH_HALF_LIFE = 60.0, 45.0, 30.0
SEARCH_BASE_P = 0.0012
QBINS = 5  # quality-focus levels for provider choice tables
POOR_PROVIDER_SHARE = 0.10
STICKY_BASE = 0.5  # chance of rebooking a provider who did a good job (plus more for quality-focused)

NAMES_MALE = (
    "Mohammad Abdul Rahim Karim Hasan Mahmud Rafiq Shafiq Jamal Kamal Tanvir Rakib Sakib Imran Arif Asif Faisal "
    "Nayeem Rashed Sohel Shahin Habib Mizanur Mostafizur Anisur Shamim Jahid Tariqul Fahim Raihan Mehedi Sabbir "
    "Tareq Zahid Nazmul Masud Shakil Riyad Ashraf Kawsar Tamim Mushfiq Nafis Zubair Ehsan Touhid Salman Yasin "
    "Rezaul Saiful Aminul Golam Jahangir Monir Shariful Farhan Ashik Rubel"
).split()
NAMES_FEMALE = (
    "Fatema Ayesha Nusrat Sadia Farzana Sharmin Tahmina Nasrin Rumana Shirin Jannatul Sumaiya Tasnim Rabeya "
    "Sabina Mahmuda Shapla Rokeya Nazma Salma Taslima Israt Afroza Shahnaz Lubna Mitu Tania Nadia Farhana Sabrina "
    "Anika Maliha Raisa Mehjabin Sanjida Jesmin Dilruba Laila Munira Zarin Tahsin Nabila Ishrat Mim Bristi Sultana "
    "Rehana Nilufar Shamima Marzia Tanjila Shathi Umme Kulsum"
).split()
SURNAMES_MALE = (
    "Rahman Hossain Ahmed Islam Chowdhury Khan Uddin Sarker Miah Alam Haque Karim Talukder Bhuiyan Mollah Sheikh "
    "Siddique Kabir Majumder Hasan Mahmud Ali Howlader Patwary"
).split()
SURNAMES_FEMALE = (
    "Akter Begum Khatun Sultana Rahman Islam Ahmed Chowdhury Hossain Khan Jahan Parvin Nahar Haque".split()
)
HINDU_SHARE = 0.09
NAMES_HINDU_MALE = "Arnab Sourav Partha Biplob Pranto Anik Sujon Tapas Dipankar Subrata Amit Rajib Shuvo Gautam".split()
NAMES_HINDU_FEMALE = "Priya Puja Ananya Shreya Dipa Mousumi Rupa Trisha Sraboni Moumita Nandini Tumpa Rina".split()
SURNAMES_HINDU = "Das Roy Saha Ghosh Dey Paul Sen Chakraborty Biswas Sarkar Mondal Dutta Barua".split()
EMAIL_DOMAINS = np.array(["gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "ymail.com"], dtype=object)
EMAIL_DOMAIN_P = np.array([0.74, 0.12, 0.06, 0.05, 0.03])
# Mobile operator digit after +8801: Grameenphone (7, 3), Robi (8), Banglalink (9, 4), Airtel (6), Teletalk (5).
OPERATOR_DIGITS = np.array([7, 3, 8, 9, 4, 6, 5])
OPERATOR_P = np.array([0.30, 0.15, 0.20, 0.16, 0.06, 0.10, 0.03])

COMPLAINT_CATEGORIES = np.array(["late", "quality", "behaviour", "price", "no_show", "damage", "other"], dtype=object)
# Complaint mix after a service that did happen (no_show complaints come from no-shows).
COMPLAINT_MIX_DONE = np.array([0.24, 0.36, 0.12, 0.13, 0.0, 0.08, 0.07])
COMPLAINT_TEXT: dict[str, list[str]] = {
    "late": [
        "Technician arrived two hours late and did not call.",
        "Provider came much later than the scheduled slot.",
        "Waited the whole morning, the worker came after lunch.",
        "Late again, I had to take leave from office for this.",
    ],
    "quality": [
        "Problem came back the next day, the work was not done properly.",
        "AC still not cooling after the servicing.",
        "Cleaning was very superficial, corners left dirty.",
        "Leak is still there after the repair.",
        "Work was rushed and unfinished.",
    ],
    "behaviour": [
        "The worker was rude to my family.",
        "Provider argued with me and left without finishing.",
        "Technician was on the phone the whole time and careless.",
    ],
    "price": [
        "Charged more than the price shown in the app.",
        "Asked for extra money for parts without a receipt.",
        "Provider demanded a higher amount in cash.",
        "Promo code discount was not applied.",
    ],
    "no_show": [
        "Provider never came and did not answer the phone.",
        "Nobody showed up for the booked slot.",
        "Waited all day, no one came and no call from support.",
    ],
    "damage": [
        "Tiles were broken during the work.",
        "Furniture got scratched while shifting.",
        "Paint stains left on the floor and sofa.",
    ],
    "other": [
        "Booking was cancelled at the last minute.",
        "Support did not respond to my messages.",
        "Could not reach the provider after the service.",
    ],
}


@dataclass
class SyntheticData:
    providers: pd.DataFrame
    customers: pd.DataFrame
    bookings: pd.DataFrame
    complaints: pd.DataFrame
    competitor_searches: pd.DataFrame


def n_days(years: float) -> int:
    """Number of simulated days (and of progress steps) for a span of years."""
    return max(1, round(years * 365))


# ---------------------------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------------------------
def _satisfaction(skill: np.ndarray) -> np.ndarray:
    """Expected satisfaction (1–5 stars) with a provider of this latent skill."""
    return 1.8 + 3.2 * skill


def _pick_rows(weights: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Index of a weighted draw per row of a (k, m) weight matrix, given k uniforms."""
    cum = np.cumsum(weights, axis=1)
    return np.minimum((cum < (u * cum[:, -1])[:, None]).sum(axis=1), weights.shape[1] - 1)


def _pick_areas(city: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """An area of each row's city, by the area weights of geo.AREAS (global index into AREA_NAME)."""
    area = np.empty(len(city), dtype=np.int64)
    for ci in range(len(CITIES)):  # five cities: a loop over reference data, not rows
        rows = np.flatnonzero(city == ci)
        local = np.flatnonzero(AREA_CITY == ci)
        area[rows] = rng.choice(local, size=len(rows), p=AREA_W[local] / AREA_W[local].sum())
    return area


def _ids(prefix: str, n: int, width: int) -> np.ndarray:
    if n == 0:  # numpy's zfill cannot size an empty array
        return np.empty(0, dtype=object)
    return np.char.add(prefix, np.char.zfill(np.arange(1, n + 1).astype(str), width)).astype(object)


def _phones(n: int, rng: np.random.Generator) -> np.ndarray:
    """Unique Bangladeshi mobile numbers: +8801, an operator digit 3–9, eight digits."""
    numbers = np.empty(0, dtype=np.int64)
    while len(numbers) < n:  # collisions are rare; redraw until there are enough distinct numbers
        k = n - len(numbers)
        op = rng.choice(OPERATOR_DIGITS, size=k, p=OPERATOR_P)
        fresh = op * 100_000_000 + rng.integers(0, 100_000_000, size=k)
        combined = np.concatenate([numbers, fresh])
        _, first = np.unique(combined, return_index=True)
        numbers = combined[np.sort(first)]
    return np.char.add("+8801", numbers.astype(str)).astype(object)


def _names(female: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """First and last names matching gender; a minority of Hindu names with Hindu surnames."""
    n = len(female)
    hindu = rng.random(n) < HINDU_SHARE
    first = np.where(
        female,
        np.where(hindu, rng.choice(NAMES_HINDU_FEMALE, n), rng.choice(NAMES_FEMALE, n)),
        np.where(hindu, rng.choice(NAMES_HINDU_MALE, n), rng.choice(NAMES_MALE, n)),
    )
    last = np.where(
        hindu,
        rng.choice(SURNAMES_HINDU, n),
        np.where(female, rng.choice(SURNAMES_FEMALE, n), rng.choice(SURNAMES_MALE, n)),
    )
    return first.astype(object), last.astype(object)


def _utc(seconds: np.ndarray) -> pd.Series:
    """Epoch seconds (−1 for missing) to tz-aware UTC timestamps."""
    values = np.asarray(seconds, dtype=np.int64).astype("datetime64[s]")
    values[np.asarray(seconds) < 0] = np.datetime64("NaT")
    return pd.Series(pd.to_datetime(values, utc=True)).astype("datetime64[ns, UTC]")


# ---------------------------------------------------------------------------------------------------------------
# Calendar of the simulated period
# ---------------------------------------------------------------------------------------------------------------
@dataclass
class _Period:
    start: datetime.date
    days: int
    season: np.ndarray  # (n_categories, days) demand multipliers
    promo: np.ndarray  # (days,) marketplace promotion running
    day_start: np.ndarray  # (days,) epoch seconds of Dhaka midnight

    @property
    def cutoff(self) -> int:
        """Epoch seconds of the Dhaka midnight after end_date: nothing happens at or after it."""
        return int(self.day_start[-1]) + 86400


def _period(end_date: datetime.date, years: float, rng: np.random.Generator) -> _Period:
    days = n_days(years)
    start = end_date - datetime.timedelta(days=days - 1)
    seasonal = calendar.seasonal_multipliers(start, days, CATEGORIES)
    season = np.stack([seasonal[c] for c in CATEGORIES])
    # Besides the calendar campaigns, a couple of flash sales a month at random.
    promo = calendar.campaign_mask(start, days) | (rng.random(days) < 2 / 30)
    epoch = (start - datetime.date(1970, 1, 1)).days * 86400 - DHAKA_UTC_OFFSET_S
    return _Period(start, days, season, promo, epoch + 86400 * np.arange(days, dtype=np.int64))


# ---------------------------------------------------------------------------------------------------------------
# Providers
# ---------------------------------------------------------------------------------------------------------------
@dataclass
class _Providers:
    frame: pd.DataFrame
    skill: np.ndarray  # latent 0..1: drives ratings, no-shows and complaints
    rating: np.ndarray
    verified: np.ndarray
    premium: np.ndarray
    seg_provider: np.ndarray  # provider index per entry of the choice tables
    seg_cdf: np.ndarray  # cumulative choice probability plus the segment number, so one searchsorted finds both

    def pick(self, segment: np.ndarray, u: np.ndarray) -> np.ndarray:
        return self.seg_provider[np.searchsorted(self.seg_cdf, segment + u)]


def _make_providers(n_customers: int, period: _Period, rng: np.random.Generator) -> _Providers:
    n_cells = len(CITIES) * len(CATEGORIES)
    n = max(n_customers // CUSTOMERS_PER_PROVIDER, 30, n_cells)
    # One provider in every city × category, the rest where demand is.
    cell_p = (CITY_P[:, None] * (CAT_POP / CAT_POP.sum())[None, :]).ravel()
    per_cell = 1 + rng.multinomial(n - n_cells, cell_p)
    cell = np.repeat(np.arange(n_cells), per_cell)
    city, cat = cell // len(CATEGORIES), cell % len(CATEGORIES)
    area = _pick_areas(city, rng)

    poor = rng.random(n) < POOR_PROVIDER_SHARE
    skill = np.where(poor, rng.uniform(0.05, 0.40, n), rng.beta(7.0, 2.0, n))
    # The displayed rating is what their customers' satisfaction averages to (see _emit_bookings).
    rating = np.clip(np.round(_satisfaction(skill) + rng.normal(0, 0.12, n), 1), 1.0, 5.0)
    verified = rng.random(n) < 0.25 + 0.65 * skill
    premium = verified & (rating >= 4.5) & (rng.random(n) < 0.5)
    popularity = rng.lognormal(0.0, 0.6, n)

    # Beauty at home is mostly done by women; the trades mostly by men.
    female = np.where(cat == CAT_INDEX["beauty"], rng.random(n) < 0.85, rng.random(n) < 0.03)
    first, last = _names(female, rng)
    joined = period.day_start[0] - rng.integers(30, 900, n) * 86400 + rng.integers(9 * 3600, 19 * 3600, n)
    frame = pd.DataFrame(
        {
            "external_id": _ids("P", n, 6),
            "name": first + " " + last,
            "phone": _phones(n, rng),
            "city": np.array(CITIES, dtype=object)[city],
            "area": AREA_NAME[area],
            "category_slug": np.array(CATEGORIES, dtype=object)[cat],
            "rating": rating,
            "is_verified": verified,
            "is_premium": premium,
            "joined_at": _utc(joined),
        }
    )

    # Choice tables per (city, category, quality-focus level): quality-focused customers weigh rating,
    # verification and premium status heavily; the others mostly take whoever is available (popularity).
    seg_provider, seg_cdf = [], []
    for c in range(n_cells):
        members = np.flatnonzero(cell == c)
        for k in range(QBINS):
            q = (k + 0.5) / QBINS
            w = popularity[members] * np.exp((0.1 + 1.6 * q) * (rating[members] - 4.0))
            w = w * (1 + 0.8 * q * verified[members]) * (1 + 1.5 * q * premium[members])
            cdf = np.cumsum(w) / w.sum()
            cdf[-1] = 1.0
            seg_provider.append(members)
            seg_cdf.append(c * QBINS + k + cdf)
    return _Providers(frame, skill, rating, verified, premium, np.concatenate(seg_provider), np.concatenate(seg_cdf))


# ---------------------------------------------------------------------------------------------------------------
# Customers: who they are and their latent traits
# ---------------------------------------------------------------------------------------------------------------
@dataclass
class _Customers:
    join_day: np.ndarray
    join_sec: np.ndarray  # epoch seconds of sign-up
    first_day: np.ndarray  # day of the prompted first order (beyond the period if none)
    city: np.ndarray
    area: np.ndarray
    female: np.ndarray
    age: np.ndarray
    price_sens: np.ndarray
    quality_focus: np.ndarray
    rate: np.ndarray
    frailty: np.ndarray
    pref: np.ndarray  # (n, n_categories) category preferences
    qbin: np.ndarray
    pay_primary: np.ndarray
    posh: np.ndarray = field(repr=False)


def _signup_days(n: int, period: _Period, rng: np.random.Generator) -> np.ndarray:
    """Sign-up days, sorted: growing year on year, busier when demand is (summer heat, before Eid)."""
    t = np.arange(period.days) / 365.0
    demand = (CAT_POP[:, None] * period.season).sum(axis=0) / CAT_POP.sum()
    weight = SIGNUP_GROWTH_PER_YEAR**t * (0.5 + 0.5 * demand) * (1 + 0.3 * period.promo)
    return np.sort(rng.choice(period.days, size=n, p=weight / weight.sum()))


def _category_alpha(female: np.ndarray, age: np.ndarray, posh: np.ndarray, city: np.ndarray, rate: np.ndarray):
    """Dirichlet parameters per customer: popularity tilted by who they are."""
    alpha = np.tile(CAT_POP, (len(female), 1))
    ci = CAT_INDEX
    alpha[:, ci["beauty"]] *= np.where(female, 3.5, 0.5)
    alpha[:, ci["cleaning"]] *= np.where(female, 1.2, 1.0) * np.where(posh, 1.4, 1.0)
    alpha[:, ci["ac"]] *= np.where(posh, 1.4, 1.0)
    young, old = age == 0, age >= 3
    alpha[:, ci["shifting"]] *= np.where(young, 1.8, 1.0) * np.where(city == 0, 1.3, 1.0)  # renters move
    alpha[:, ci["beauty"]] *= np.where(young, 1.4, 1.0)
    for slug in ("electrical", "plumbing", "appliance"):
        alpha[:, ci[slug]] *= np.where(old, 1.4, 1.0)  # home owners fix things
    # Regulars are regular because their needs recur: weekly cleaning, salon visits.
    recurring = 1 + rate / 12.0
    alpha[:, ci["cleaning"]] *= recurring
    alpha[:, ci["beauty"]] *= recurring
    return alpha * 0.9  # low concentration: most people need only a few kinds of service


def _make_customers(n: int, period: _Period, rng: np.random.Generator) -> _Customers:
    join_day = _signup_days(n, period, rng)
    join_hour = rng.choice(BOOK_HOURS, size=n, p=BOOK_HOUR_W / BOOK_HOUR_W.sum())
    join_sec = period.day_start[join_day] + join_hour * 3600 + rng.integers(0, 3600, n)
    delay = np.where(rng.random(n) < 0.55, 0, rng.geometric(0.3, n))
    first_day = np.where(rng.random(n) < NEVER_PROMPT_SHARE, period.days + 1, join_day + delay)

    city = rng.choice(len(CITIES), size=n, p=CITY_P)
    area = _pick_areas(city, rng)
    posh = AREA_POSH[area]
    female = rng.random(n) < 0.45
    age = rng.choice(len(AGE_BANDS), size=n, p=AGE_P)

    price_sens = rng.beta(2.2 - 0.8 * posh + 0.4 * (age == 0), 2.8)
    quality_focus = rng.beta(2.0 + 1.0 * posh, 2.6)
    rate = np.minimum(rng.gamma(RATE_SHAPE, RATE_SCALE, n) * np.where(posh, 1.25, 1.0), RATE_CAP)
    frailty = rng.lognormal(-0.1, 0.45, n)  # unobserved heterogeneity: some people are simply fickle
    alpha = _category_alpha(female, age, posh, city, rate)
    pref = rng.gamma(alpha)
    pref = pref / pref.sum(axis=1, keepdims=True)
    qbin = np.minimum((quality_focus * QBINS).astype(np.int64), QBINS - 1)
    pay_p = np.where(AREA_CARD[area][:, None], PAY_P_CARD_AREA, PAY_P)
    pay_primary = _pick_rows(pay_p, rng.random(n))
    return _Customers(
        join_day, join_sec, first_day, city, area, female, age, price_sens, quality_focus, rate, frailty,
        pref, qbin, pay_primary, posh,
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------------------------
# The day-by-day process
# ---------------------------------------------------------------------------------------------------------------
@dataclass
class _State:
    """What each customer remembers; scores decay so old grievances fade."""

    n: int
    n_done: np.ndarray = field(init=False)
    n_booked: np.ndarray = field(init=False)
    complaints: np.ndarray = field(init=False)
    bad: np.ndarray = field(init=False)
    searches: np.ndarray = field(init=False)
    last_discount_day: np.ndarray = field(init=False)
    waver_end: np.ndarray = field(init=False)  # day a shopping-around spell ends, −1 when settled
    churn_day: np.ndarray = field(init=False)
    last_provider: np.ndarray = field(init=False)  # (n, n_categories)
    last_good: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        n, k = self.n, len(CATEGORIES)
        self.n_done = np.zeros(n, dtype=np.int32)
        self.n_booked = np.zeros(n, dtype=np.int32)
        self.complaints = np.zeros(n)
        self.bad = np.zeros(n)
        self.searches = np.zeros(n)
        self.last_discount_day = np.zeros(n, dtype=np.int64)
        self.waver_end = np.full(n, -1, dtype=np.int64)
        self.churn_day = np.full(n, -1, dtype=np.int64)
        self.last_provider = np.full((n, k), -1, dtype=np.int64)
        self.last_good = np.zeros((n, k), dtype=bool)


@dataclass
class _Log:
    """Rows emitted so far, as lists of per-day arrays."""

    bookings: dict[str, list[np.ndarray]] = field(default_factory=dict)
    complaints: dict[str, list[np.ndarray]] = field(default_factory=dict)
    searches: dict[str, list[np.ndarray]] = field(default_factory=dict)
    n_bookings: int = 0

    @staticmethod
    def add(table: dict[str, list[np.ndarray]], **columns: np.ndarray) -> None:
        for name, values in columns.items():
            table.setdefault(name, []).append(values)

    @staticmethod
    def frame(table: dict[str, list[np.ndarray]], columns: list[str]) -> dict[str, np.ndarray]:
        return {c: np.concatenate(table[c]) if c in table else np.empty(0, dtype=np.int64) for c in columns}


# Effects of a service reach the customer on the day it happens, not when it was ordered.
@dataclass
class _Pending:
    by_day: dict[int, list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]] = field(default_factory=dict)

    def push(self, days: np.ndarray, who: np.ndarray, done: np.ndarray, bad: np.ndarray, complaint: np.ndarray) -> None:
        for day in np.unique(days):
            m = days == day
            self.by_day.setdefault(int(day), []).append((who[m], done[m], bad[m], complaint[m]))

    def apply(self, day: int, state: _State) -> None:
        for who, done, bad, complaint in self.by_day.pop(day, []):
            np.add.at(state.n_done, who, done.astype(np.int32))
            np.add.at(state.bad, who, bad)
            np.add.at(state.complaints, who, complaint)


def _hazard(d: int, who: np.ndarray, c: _Customers, s: _State) -> np.ndarray:
    """Daily probability that a settled customer starts to drift away."""
    base = HAZARD_FLOOR + HAZARD_NEW / (1.0 + s.n_done[who]) ** HAZARD_HABIT_POWER
    # Price-sensitive customers who have not seen a discount for months look elsewhere.
    no_discount = np.clip((d - s.last_discount_day[who] - 60) / 180.0, 0.0, 1.0)
    mult = (
        c.frailty[who]
        * (1 + HAZARD_PER_COMPLAINT * s.complaints[who])
        * (1 + HAZARD_PER_BAD_EXPERIENCE * s.bad[who])
        * (1 + HAZARD_PER_SEARCH * s.searches[who])
        * (1 + HAZARD_NO_DISCOUNT * c.price_sens[who] * no_discount)
        / (1 + c.rate[who] / 12.0)  # loyal frequent bookers rarely leave
    )
    return np.minimum(base * mult, 0.5)


def _churn_step(d: int, act: np.ndarray, c: _Customers, s: _State, rng: np.random.Generator) -> np.ndarray:
    """Customers drift (start shopping around) by the hazard; drifters leave at the end of the spell, or settle."""
    ending = act[s.waver_end[act] == d]
    leaving = ending[rng.random(len(ending)) < WAVER_LEAVE_P]
    s.waver_end[ending] = -1
    s.churn_day[leaving] = d
    settled = act[s.waver_end[act] < 0]
    settled = settled[s.churn_day[settled] < 0]
    drifting = settled[rng.random(len(settled)) < _hazard(d, settled, c, s)]
    s.waver_end[drifting] = d + rng.geometric(1.0 / WAVER_MEAN_DAYS, len(drifting))
    return act[s.churn_day[act] < 0]


def _book_step(
    d: int, act: np.ndarray, c: _Customers, s: _State, period: _Period, rng: np.random.Generator
) -> np.ndarray:
    """Who orders today: base rate × their category mix under today's season × promotions × state."""
    demand = c.pref[act] @ period.season[:, d]
    p = c.rate[act] / 365.0 * demand
    if period.promo[d]:
        p = p * (1 + PROMO_LIFT * c.price_sens[act])
    p = np.where(s.waver_end[act] >= 0, p * WAVER_BOOKING_FACTOR, p)
    return act[(rng.random(len(act)) < p) | (c.first_day[act] == d)]


def _service_tables() -> tuple[np.ndarray, np.ndarray]:
    """Weights (category, gender, slot) and service indices (category, slot) for drawing a service."""
    width = max(np.bincount(SVC_CAT))
    weight = np.zeros((len(CATEGORIES), 2, width))
    index = np.zeros((len(CATEGORIES), width), dtype=np.int64)
    for cat in range(len(CATEGORIES)):
        for j, svc in enumerate(np.flatnonzero(SVC_CAT == cat)):
            index[cat, j] = svc
            slug = SERVICES[svc].slug
            if slug in BEAUTY_WEIGHT:
                weight[cat, :, j] = BEAUTY_WEIGHT[slug]
            else:
                weight[cat, :, j] = SERVICE_WEIGHT[slug]
    return weight, index


SERVICE_W, SERVICE_INDEX = _service_tables()


def _emit_bookings(
    d: int,
    b: np.ndarray,
    c: _Customers,
    p: _Providers,
    s: _State,
    period: _Period,
    pending: _Pending,
    log: _Log,
    rng: np.random.Generator,
) -> None:
    """Turn today's orders into booking (and complaint) rows and schedule their effects on the customers."""
    k = len(b)
    qf, ps = c.quality_focus[b], c.price_sens[b]
    cat = _pick_rows(c.pref[b] * period.season[:, d], rng.random(k))
    svc = SERVICE_INDEX[cat, _pick_rows(SERVICE_W[cat, (~c.female[b]).astype(np.int64)], rng.random(k))]

    # Provider: a good previous one again, else a fresh pick weighted by the customer's quality focus.
    last = s.last_provider[b, cat]
    sticky = (last >= 0) & s.last_good[b, cat] & (rng.random(k) < STICKY_BASE + 0.35 * qf)
    fresh = p.pick((c.city[b] * len(CATEGORIES) + cat) * QBINS + c.qbin[b], rng.random(k))
    prov = np.where(sticky, last, fresh)
    skill = p.skill[prov]

    # Outcome: customers cancel at random, weak providers cancel or do not show up.
    r = rng.random(k)
    p_cust_cancel = 0.07 + 0.03 * ps
    p_prov_cancel = 0.008 + 0.08 * (1 - skill) ** 2
    p_no_show = 0.008 + 0.12 * (1 - skill) ** 2
    cust_cancel = r < p_cust_cancel
    prov_cancel = ~cust_cancel & (r < p_cust_cancel + p_prov_cancel)
    no_show = ~cust_cancel & ~prov_cancel & (r < p_cust_cancel + p_prov_cancel + p_no_show)
    done = ~(cust_cancel | prov_cancel | no_show)
    status = np.where(done, 0, np.where(no_show, 2, 1))
    assigned = ~(cust_cancel & (rng.random(k) < 0.5))  # half the customer cancellations come before assignment

    # Times, in Dhaka local hours converted to epoch seconds.
    hour = rng.choice(BOOK_HOURS, size=k, p=BOOK_HOUR_W / BOOK_HOUR_W.sum())
    booked = period.day_start[d] + hour * 3600 + rng.integers(0, 3600, k)
    booked = np.maximum(booked, c.join_sec[b] + rng.integers(300, 5400, k))  # first order minutes after sign-up
    lead = rng.choice(5, size=k, p=[0.30, 0.35, 0.18, 0.10, 0.07])
    slot = rng.integers(9, 19, k)  # service slots 09:00–18:00
    sched = period.day_start[np.minimum(d + lead, period.days - 1)] + slot * 3600
    sched = np.where(sched < booked + 3600, sched + 86400, sched)  # today's slot already gone: tomorrow
    completed = np.where(done, sched + rng.integers(3600, 5 * 3600, k), -1)

    # Price: quality-focused customers and premium providers sit high in the range, bargain hunters low.
    prov_premium, prov_verified = p.premium[prov], p.verified[prov]
    mean_pos = np.clip(0.42 + 0.35 * (qf - ps) + 0.12 * prov_premium + 0.05 * prov_verified, 0.08, 0.92)
    pos = rng.beta(mean_pos * 6, (1 - mean_pos) * 6)
    lo, hi = SVC_MIN[svc], SVC_MAX[svc]
    amount = np.clip(np.round((lo + pos * (hi - lo)) / 10) * 10, lo, hi)
    promo = bool(period.promo[d])
    p_disc = (0.30 + 0.35 * ps) if promo else (0.04 + 0.06 * ps)
    p_disc = np.where(s.n_booked[b] == 0, np.maximum(p_disc, 0.35), p_disc)  # welcome offer on the first order
    has_disc = rng.random(k) < p_disc
    pct = rng.choice([0.10, 0.15, 0.20, 0.25, 0.30], size=k, p=[0.3, 0.25, 0.2, 0.15, 0.1])
    discount = np.where(has_disc, np.minimum(np.round(amount * pct / 10) * 10, 1500.0), 0.0)

    # Experience: the customer's satisfaction (1–5) follows provider skill; only some say it as a rating.
    satisfaction = _satisfaction(skill) - 0.6 * qf * (1 - skill) + rng.normal(0, 0.9, k)
    stars = np.clip(np.round(satisfaction), 1, 5).astype(np.int64)
    rated = done & (rng.random(k) < 0.45 + 0.3 * qf)
    rating = np.where(rated, stars, 0)

    # Complaints come from weak providers, bad experiences and no-shows.
    p_complaint = np.where(
        done,
        0.01 + 0.15 * (1 - skill) ** 2 + 0.30 * (stars <= 2),
        np.where(no_show, 0.45, np.where(prov_cancel, 0.12, 0.004)),
    )
    complaint = rng.random(k) < p_complaint
    mix = rng.choice(len(COMPLAINT_CATEGORIES), size=k, p=COMPLAINT_MIX_DONE)
    c_cat = np.where(no_show, 4, np.where(prov_cancel | cust_cancel, 6, mix))
    c_time = np.where(done, completed, sched) + rng.integers(1800, 48 * 3600, k)
    c_text = rng.integers(0, 1000, k)

    # What the customer takes away: bad experiences, and for quality-focused ones a weak or unverified provider.
    poorness = np.clip((3.8 - p.rating[prov]) / 1.5, 0, 1) + 0.3 * ~p.verified[prov]
    bad = 1.0 * (done & (stars <= 2)) + 1.0 * no_show + 0.7 * prov_cancel + done * qf * poorness
    pay = np.where(rng.random(k) < 0.75, c.pay_primary[b], rng.choice(len(PAYMENTS), size=k, p=PAY_P))

    # Orders whose service falls after the end are still open at the export: drop them.
    keep = sched + 5 * 3600 < period.cutoff
    s.n_booked[b] += 1
    s.last_discount_day[b[has_disc]] = d
    s.last_provider[b[assigned], cat[assigned]] = prov[assigned]
    s.last_good[b, cat] = done & (stars >= 4)
    service_day = np.minimum((sched - period.day_start[0]) // 86400, period.days + 2)
    pending.push(service_day, b, done, bad, complaint.astype(float))

    idx = log.n_bookings + np.arange(k)
    log.n_bookings += k
    _Log.add(
        log.bookings,
        idx=idx[keep], customer=b[keep], service=svc[keep], provider=np.where(assigned, prov, -1)[keep],
        booked=booked[keep], scheduled=sched[keep], completed=completed[keep], amount=amount[keep],
        discount=discount[keep], status=status[keep], rating=rating[keep], payment=pay[keep],
    )  # fmt: skip
    filed = complaint & keep & (c_time < period.cutoff)
    _Log.add(
        log.complaints,
        booking=idx[filed], customer=b[filed], provider=np.where(assigned, prov, -1)[filed],
        created=c_time[filed], category=c_cat[filed], text=c_text[filed],
    )  # fmt: skip


def _search_step(
    d: int, act: np.ndarray, c: _Customers, s: _State, period: _Period, log: _Log, rng: np.random.Generator
) -> None:
    """Searches for competitors: bargain hunters browse, unhappy and drifting customers shop around."""
    p = SEARCH_BASE_P * (0.3 + 1.7 * c.price_sens[act]) * (1 + 1.5 * s.complaints[act] + 1.0 * s.bad[act])
    p = np.where(s.waver_end[act] >= 0, p * 10, p)
    who = act[rng.random(len(act)) < p]
    k = len(who)
    if k == 0:
        return
    s.searches[who] += 1
    hour = rng.integers(7, 24, k)
    _Log.add(
        log.searches,
        customer=who,
        # Seen in our own app's analytics, so never before the customer signed up.
        searched=np.maximum(period.day_start[d] + hour * 3600 + rng.integers(0, 3600, k), c.join_sec[who] + 60),
        competitor=rng.choice(len(COMPETITORS), size=k, p=COMPETITOR_P),
        category=_pick_rows(c.pref[who] * period.season[:, d], rng.random(k)),
    )


def _decay(act: np.ndarray, s: _State) -> None:
    s.complaints[act] *= 0.5 ** (1 / COMPLAINT_HALF_LIFE)
    s.bad[act] *= 0.5 ** (1 / BAD_HALF_LIFE)
    s.searches[act] *= 0.5 ** (1 / SEARCH_HALF_LIFE)


def _run(
    c: _Customers,
    p: _Providers,
    period: _Period,
    rng: np.random.Generator,
    progress: Callable[[int], object] | None,
) -> tuple[_State, _Log]:
    n = len(c.join_day)
    s, log, pending = _State(n), _Log(), _Pending()
    arrivals = np.searchsorted(c.join_day, np.arange(period.days + 1))  # customers are sorted by sign-up day
    s.last_discount_day[:] = c.join_day
    act = np.empty(0, dtype=np.int64)
    reported = 0
    for d in range(period.days):
        act = np.concatenate([act, np.arange(arrivals[d], arrivals[d + 1])])
        pending.apply(d, s)
        _decay(act, s)
        act = _churn_step(d, act, c, s, rng)
        bookers = _book_step(d, act, c, s, period, rng)
        if len(bookers):
            _emit_bookings(d, bookers, c, p, s, period, pending, log, rng)
        _search_step(d, act, c, s, period, log, rng)
        if progress is not None and (d + 1 - reported >= 30 or d == period.days - 1):
            progress(d + 1 - reported)
            reported = d + 1
    return s, log


# ---------------------------------------------------------------------------------------------------------------
# Frames
# ---------------------------------------------------------------------------------------------------------------
def _customer_frame(
    c: _Customers,
    s: _State,
    period: _Period,
    preferred: np.ndarray,
    provider_ids: np.ndarray,
    rng: np.random.Generator,
) -> pd.DataFrame:
    n = len(c.join_day)
    first, last = _names(c.female, rng)
    english = rng.random(n) < 0.08 + 0.22 * c.posh + 0.07 * (c.age <= 1)
    has_email = rng.random(n) < 0.28 + 0.35 * english + 0.15 * c.posh
    sep = rng.choice(np.array([".", "_", ""], dtype=object), n)
    digits = np.where(rng.random(n) < 0.7, rng.integers(1, 1000, n).astype(str), "").astype(object)
    domain = rng.choice(EMAIL_DOMAINS, n, p=EMAIL_DOMAIN_P)
    lower = np.vectorize(str.lower, otypes=[object])
    local = lower(first) + sep + lower(last) + digits
    # The same name can come up twice: the customer number keeps addresses unique.
    email = local + "@" + domain
    dup = pd.Series(email).duplicated().to_numpy()
    email[dup] = local[dup] + "." + (np.flatnonzero(dup) + 1).astype(str).astype(object) + "@" + domain[dup]
    churn_sec = np.where(s.churn_day >= 0, period.day_start[np.maximum(s.churn_day, 0)] + rng.integers(0, 86400, n), -1)
    return pd.DataFrame(
        {
            "external_id": _ids("C", n, 7),
            "name": first + " " + last,
            "phone": _phones(n, rng),
            "email": pd.Series(np.where(has_email, email, None), dtype=object),
            "city": np.array(CITIES, dtype=object)[c.city],
            "area": AREA_NAME[c.area],
            "gender": GENDERS[(~c.female).astype(np.int64)],
            "age_band": AGE_BANDS[c.age],
            "language": np.where(english, "en", "bn").astype(object),
            "joined_at": _utc(c.join_sec),
            "preferred_provider_external_id": pd.Series(
                np.where(preferred >= 0, provider_ids[np.maximum(preferred, 0)], None), dtype=object
            ),
            "latent_price_sensitivity": c.price_sens,
            "latent_quality_focus": c.quality_focus,
            "latent_base_rate": c.rate,
            "latent_churned_at": _utc(churn_sec),
        }
    )


def _preferred_providers(n: int, bk: dict[str, np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """Loyal customers (4+ completed bookings, half of them with one provider) mostly name that provider."""
    done = (bk["status"] == 0) & (bk["provider"] >= 0)
    pairs = pd.DataFrame({"customer": bk["customer"][done], "provider": bk["provider"][done]})
    counts = pairs.groupby(["customer", "provider"]).size().rename("k").reset_index()
    counts = counts.sort_values(["customer", "k", "provider"], ascending=[True, False, True])
    total = counts.groupby("customer")["k"].transform("sum")
    top = counts[~counts["customer"].duplicated()]
    top_total = total[top.index]
    chosen = (top_total >= 4) & (top["k"] >= 0.5 * top_total)
    preferred = np.full(n, -1, dtype=np.int64)
    who = top["customer"].to_numpy()[chosen.to_numpy()]
    prov = top["provider"].to_numpy()[chosen.to_numpy()]
    keep = rng.random(len(who)) < 0.7
    preferred[who[keep]] = prov[keep]
    return preferred


def _frames(
    c: _Customers, p: _Providers, s: _State, log: _Log, period: _Period, rng: np.random.Generator
) -> SyntheticData:
    bk = _Log.frame(
        log.bookings,
        ["idx", "customer", "service", "provider", "booked", "scheduled", "completed", "amount", "discount",
         "status", "rating", "payment"],
    )  # fmt: skip
    order = np.argsort(bk["booked"], kind="stable")
    bk = {k: v[order] for k, v in bk.items()}
    n_b = len(order)
    booking_ids = _ids("B", n_b, 9)
    # Complaints refer to bookings by their simulation index; map it to the row after sorting.
    row_of = np.full(log.n_bookings, -1, dtype=np.int64)
    row_of[bk["idx"]] = np.arange(n_b)

    customer_ids = _ids("C", len(c.join_day), 7)
    provider_ids = p.frame["external_id"].to_numpy(dtype=object)
    provider_or_none = np.where(bk["provider"] >= 0, provider_ids[np.maximum(bk["provider"], 0)], None)
    bookings = pd.DataFrame(
        {
            "external_id": booking_ids,
            "customer_external_id": customer_ids[bk["customer"]],
            "service_slug": SVC_SLUG[bk["service"]],
            "provider_external_id": pd.Series(provider_or_none, dtype=object),
            "booked_at": _utc(bk["booked"]),
            "scheduled_at": _utc(bk["scheduled"]),
            "completed_at": _utc(bk["completed"]),
            "amount": bk["amount"].astype(float),
            "discount": bk["discount"].astype(float),
            "status": STATUSES[bk["status"]],
            "rating": pd.Series(bk["rating"], dtype="Int64").mask(bk["rating"] == 0),
            "payment_method": PAYMENTS[bk["payment"]],
        }
    )

    cp = _Log.frame(log.complaints, ["booking", "customer", "provider", "created", "category", "text"])
    c_order = np.argsort(cp["created"], kind="stable")
    cp = {k: v[c_order] for k, v in cp.items()}
    texts = [np.array(COMPLAINT_TEXT[cat], dtype=object) for cat in COMPLAINT_CATEGORIES]
    cat_codes = cp["category"].astype(np.int64)
    description = np.empty(len(cat_codes), dtype=object)
    for code, options in enumerate(texts):  # seven categories: a loop over reference data
        m = cat_codes == code
        description[m] = options[cp["text"][m].astype(np.int64) % len(options)]
    complaints = pd.DataFrame(
        {
            "customer_external_id": customer_ids[cp["customer"].astype(np.int64)],
            "booking_external_id": booking_ids[row_of[cp["booking"].astype(np.int64)]],
            "provider_external_id": pd.Series(
                np.where(cp["provider"] >= 0, provider_ids[np.maximum(cp["provider"], 0).astype(np.int64)], None),
                dtype=object,
            ),
            "created_at": _utc(cp["created"]),
            "category": COMPLAINT_CATEGORIES[cat_codes],
            "description": description,
        }
    )

    sr = _Log.frame(log.searches, ["customer", "searched", "competitor", "category"])
    s_order = np.argsort(sr["searched"], kind="stable")
    sr = {k: v[s_order].astype(np.int64) for k, v in sr.items()}
    searches = pd.DataFrame(
        {
            "customer_external_id": customer_ids[sr["customer"]],
            "searched_at": _utc(sr["searched"]),
            "competitor": COMPETITORS[sr["competitor"]],
            "category_slug": np.array(CATEGORIES, dtype=object)[sr["category"]],
        }
    )
    preferred = _preferred_providers(len(c.join_day), bk, rng)
    customers = _customer_frame(c, s, period, preferred, provider_ids, rng)
    return SyntheticData(p.frame, customers, bookings, complaints, searches)


def simulate(
    *,
    n_customers: int,
    years: float,
    seed: int,
    end_date: datetime.date,
    progress: Callable[[int], object] | None = None,
) -> SyntheticData:
    """Simulate ``years`` of the marketplace ending on ``end_date`` (inclusive) for ``n_customers`` sign-ups.

    ``progress`` receives increments of simulated days; they add up to ``n_days(years)``.
    """
    rng = np.random.default_rng(seed)
    period = _period(end_date, years, rng)
    providers = _make_providers(n_customers, period, rng)
    customers = _make_customers(n_customers, period, rng)
    state, log = _run(customers, providers, period, rng, progress)
    return _frames(customers, providers, state, log, period, rng)


CATEGORY_OF_SERVICE = {service.slug: service.category for service in catalog.SERVICES}


def simulation_history(data: SyntheticData) -> History:
    """The simulator's frames in the shape mlcore reads: integer customer ids (1..n in sign-up order), the
    service's category slug, provider flags from the providers frame (False when a booking has no provider)."""
    customer_id = pd.Series(np.arange(1, len(data.customers) + 1, dtype="int64"), index=data.customers["external_id"])
    providers = data.providers.set_index("external_id")

    def ids(external: pd.Series) -> np.ndarray:
        mapped = external.map(customer_id)
        if mapped.isna().any():
            raise ValueError("an event refers to an unknown customer")
        return mapped.to_numpy(dtype="int64")

    raw = data.bookings
    provider = raw["provider_external_id"]
    bookings = pd.DataFrame(
        {
            "customer_id": ids(raw["customer_external_id"]),
            "booked_at": raw["booked_at"],
            "amount": raw["amount"].astype(float),
            "discount": raw["discount"].astype(float),
            "status": raw["status"].astype(object),
            "rating": pd.to_numeric(raw["rating"], errors="coerce").astype(float),
            "category": raw["service_slug"].map(CATEGORY_OF_SERVICE),
            "provider_premium": provider.map(providers["is_premium"]).fillna(False).astype(bool),
            "provider_verified": provider.map(providers["is_verified"]).fillna(False).astype(bool),
        }
    )
    if bookings["category"].isna().any():
        raise ValueError("a booking's service is not in the catalogue")
    return History(
        customers=pd.DataFrame({"customer_id": customer_id.to_numpy(), "joined_at": data.customers["joined_at"]}),
        bookings=bookings,
        complaints=pd.DataFrame(
            {"customer_id": ids(data.complaints["customer_external_id"]), "created_at": data.complaints["created_at"]}
        ),
        searches=pd.DataFrame(
            {
                "customer_id": ids(data.competitor_searches["customer_external_id"]),
                "searched_at": data.competitor_searches["searched_at"],
            }
        ),
    )
