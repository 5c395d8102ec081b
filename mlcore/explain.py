"""Why a customer got their churn score: the top drivers (signed TreeSHAP contributions) as sentences in English
and Bengali, with Bengali digits in the Bengali text.

A positive contribution pushes the churn probability up, a negative one pulls it down; contributions are in the
model's log-odds, as XGBoost's `pred_contribs` returns them.
"""

import functools
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from mlcore.arrays import AnyFloatArray

REASONS_K = 5  # the reasons stored, served and exported for each score

BENGALI_DIGITS = str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯")


def bengali_digits(text: str) -> str:
    return text.translate(BENGALI_DIGITS)


@dataclass(frozen=True)
class Reason:
    feature: str
    value: float
    contribution: float
    text_en: str
    text_bn: str

    def to_dict(self) -> dict[str, str | float]:
        return asdict(self)


def _n(value: float) -> str:
    return f"{round(value):,}"


def _pct(value: float) -> str:
    return f"{round(value * 100)}"


def _x(value: float) -> str:
    return f"{value:.1f}"


Sentence = Callable[[float], tuple[str, str]]


def _days(en: str, bn: str) -> Sentence:
    return lambda v: (en.format(_n(v)), bn.format(_n(v)))


def _count(en: str, bn: str) -> Sentence:
    """A count; "{s}" in the English is the plural ending, dropped for exactly one ("1 complaint", "2 complaints")."""
    return lambda v: (en.format(_n(v), s="" if round(v) == 1 else "s"), bn.format(_n(v)))


def _share(en: str, bn: str) -> Sentence:
    return lambda v: (en.format(_pct(v)), bn.format(_pct(v)))


def _taka(en: str, bn: str) -> Sentence:
    return lambda v: (en.format(_n(v)), bn.format(_n(v)))


def _or_none(sentence: Sentence, none_en: str, none_bn: str) -> Sentence:
    """Features that use -1 for "never happened" get their own sentence for it."""
    return lambda v: (none_en, none_bn) if v < 0 else sentence(v)


SEASON_BN = {"summer": "গ্রীষ্মে", "monsoon": "বর্ষায়", "autumn": "শরৎ-হেমন্তে", "winter": "শীতে"}

SENTENCES: dict[str, Sentence] = {
    "days_since_last_booking": _days("No booking for {} days", "{} দিন ধরে কোনো বুকিং নেই"),
    "days_since_first_booking": _days("First booking {} days ago", "প্রথম বুকিং {} দিন আগে"),
    "tenure_days": _days("Customer for {} days", "{} দিন ধরে গ্রাহক"),
    "bookings_total": _count("{} completed booking{s} in total", "মোট {}টি সম্পন্ন বুকিং"),
    "bookings_30d": _count("{} booking{s} in the last 30 days", "গত ৩০ দিনে {}টি বুকিং"),
    "bookings_90d": _count("{} booking{s} in the last 90 days", "গত ৯০ দিনে {}টি বুকিং"),
    "bookings_180d": _count("{} booking{s} in the last 180 days", "গত ১৮০ দিনে {}টি বুকিং"),
    "bookings_365d": _count("{} booking{s} in the last year", "গত এক বছরে {}টি বুকিং"),
    "bookings_per_year": lambda v: (f"About {_x(v)} bookings a year", f"বছরে প্রায় {_x(v)}টি বুকিং"),
    "active_months_365d": _count("Booked in {} of the last 12 months", "গত ১২ মাসের {} মাসে বুকিং করেছেন"),
    "spend_total": _taka("Tk {} spent in total", "মোট ৳{} খরচ করেছেন"),
    "spend_avg": _taka("Tk {} per booking on average", "প্রতি বুকিংয়ে গড়ে ৳{}"),
    "spend_90d": _taka("Tk {} spent in the last 90 days", "গত ৯০ দিনে ৳{} খরচ"),
    "spend_365d": _taka("Tk {} spent in the last year", "গত এক বছরে ৳{} খরচ"),
    "btyd_recency_days": _or_none(
        _days("Booked over a span of {} days", "{} দিন জুড়ে বুকিং করেছেন"),
        "No completed booking yet",
        "এখনো কোনো সম্পন্ন বুকিং নেই",
    ),
    "btyd_age_days": _or_none(
        _days("First completed booking {} days ago", "প্রথম সম্পন্ন বুকিং {} দিন আগে"),
        "No completed booking yet",
        "এখনো কোনো সম্পন্ন বুকিং নেই",
    ),
    "gap_mean_days": _or_none(
        _days("Usually books every {} days", "সাধারণত প্রতি {} দিনে বুকিং করেন"),
        "Only one booking so far",
        "এখন পর্যন্ত মাত্র একটি বুকিং",
    ),
    "gap_std_days": _or_none(
        _days("Booking rhythm varies by ±{} days", "বুকিংয়ের ব্যবধান ±{} দিন ওঠানামা করে"),
        "Only one booking so far",
        "এখন পর্যন্ত মাত্র একটি বুকিং",
    ),
    "gap_last_days": _or_none(
        _days("{} days between the last two bookings", "শেষ দুই বুকিংয়ের মধ্যে {} দিনের ব্যবধান"),
        "Only one booking so far",
        "এখন পর্যন্ত মাত্র একটি বুকিং",
    ),
    "overdue_ratio": lambda v: (
        f"{_x(v)}× their usual time between bookings has passed",
        f"স্বাভাবিক বুকিং ব্যবধানের {_x(v)} গুণ সময় পেরিয়ে গেছে",
    ),
    "service_diversity": _count("Has used {} kind{s} of service", "{} ধরনের সেবা নিয়েছেন"),
    "discount_share": _share("{}% of bookings used a discount", "{}% বুকিংয়ে ছাড় নিয়েছেন"),
    "discount_pct_avg": _share("Average discount {}%", "গড় ছাড় {}%"),
    "premium_share": _share("{}% of bookings with premium providers", "{}% বুকিং প্রিমিয়াম সেবাদাতার সাথে"),
    "verified_share": _share("{}% of bookings with verified providers", "{}% বুকিং যাচাইকৃত সেবাদাতার সাথে"),
    "rating_avg": lambda v: (
        ("Has never rated a service", "কখনো কোনো সেবার রেটিং দেননি")
        if v <= 0
        else (f"Rates services {_x(v)}★ on average", f"গড়ে {_x(v)}★ রেটিং দেন")
    ),
    "low_ratings": _count("{} low rating{s} (1–2★)", "{}টি কম রেটিং (১–২★)"),
    "unrated_share": _share("{}% of bookings left unrated", "{}% বুকিংয়ে রেটিং দেননি"),
    "complaints_total": _count("{} complaint{s} in total", "মোট {}টি অভিযোগ"),
    "complaints_90d": _count("{} complaint{s} in the last 90 days", "গত ৯০ দিনে {}টি অভিযোগ"),
    "days_since_last_complaint": _or_none(
        _days("Last complaint {} days ago", "শেষ অভিযোগ {} দিন আগে"),
        "Has never complained",
        "কখনো অভিযোগ করেননি",
    ),
    "competitor_searches_total": _count("Searched competing services {} time{s}", "{} বার প্রতিযোগী সেবার খোঁজ করেছেন"),
    "competitor_searches_30d": _count(
        "Searched competing services {} time{s} in the last 30 days", "গত ৩০ দিনে {} বার প্রতিযোগী সেবার খোঁজ করেছেন"
    ),
    "competitor_searches_90d": _count(
        "Searched competing services {} time{s} in the last 90 days", "গত ৯০ দিনে {} বার প্রতিযোগী সেবার খোঁজ করেছেন"
    ),
    "cancellations_total": _count("{} cancelled booking{s}", "{}টি বাতিল বুকিং"),
    "no_shows_total": _count("{} booking{s} where nobody turned up", "{}টি বুকিং সম্পন্ন হয়নি (নো-শো)"),
    "cancel_share": _share("{}% of bookings cancelled or missed", "{}% বুকিং বাতিল বা অসম্পন্ন"),
    **{
        f"share_{season}": _share(f"{{}}% of bookings in {season}", f"{{}}% বুকিং {SEASON_BN[season]}")
        for season in SEASON_BN
    },
    "usual_season_upcoming": lambda v: (
        ("Their busy season starts within two months", "তাঁর ব্যস্ত মৌসুম দুই মাসের মধ্যে শুরু হচ্ছে")
        if v >= 0.5
        else ("Their busy season is more than two months away", "তাঁর ব্যস্ত মৌসুম এখনো দুই মাসের বেশি দূরে")
    ),
    "days_to_usual_season": lambda v: (
        ("No usual season yet", "এখনো কোনো নির্দিষ্ট মৌসুম নেই")
        if v < 0
        else ("In their usual booking season now", "এখন তাঁর স্বাভাবিক বুকিংয়ের মৌসুম")
        if v == 0
        else (f"Their usual season starts in {_n(v)} days", f"তাঁর স্বাভাবিক মৌসুম শুরু হতে {_n(v)} দিন বাকি")
    ),
    "bgnbd_p_alive": lambda v: (
        ("No completed booking yet", "এখনো কোনো সম্পন্ন বুকিং নেই")
        if v < 0
        else (f"Booking pattern: {_pct(v)}% likely still active", f"বুকিংয়ের ধরন অনুযায়ী {_pct(v)}% সম্ভাবনা এখনো সক্রিয়")
    ),
    "bgnbd_p_churn": lambda v: (
        ("No completed booking yet", "এখনো কোনো সম্পন্ন বুকিং নেই")
        if v < 0
        else (
            f"Booking pattern: {_pct(v)}% likely to book nothing in the coming months",
            f"বুকিংয়ের ধরন অনুযায়ী সামনের কয়েক মাসে বুকিং না করার সম্ভাবনা {_pct(v)}%",
        )
    ),
    # Pareto/NBD reads the same pattern with dropout possible at any time, not only right after a booking.
    "pnbd_p_alive": lambda v: (
        ("No completed booking yet", "এখনো কোনো সম্পন্ন বুকিং নেই")
        if v < 0
        else (
            f"Booking pattern over time: {_pct(v)}% likely still active",
            f"সময়ের সাথে বুকিংয়ের ধরন অনুযায়ী {_pct(v)}% সম্ভাবনা এখনো সক্রিয়",
        )
    ),
    "pnbd_p_churn": lambda v: (
        ("No completed booking yet", "এখনো কোনো সম্পন্ন বুকিং নেই")
        if v < 0
        else (
            f"Booking pattern over time: {_pct(v)}% likely to book nothing in the coming months",
            f"সময়ের সাথে বুকিংয়ের ধরন অনুযায়ী সামনের কয়েক মাসে বুকিং না করার সম্ভাবনা {_pct(v)}%",
        )
    ),
}


def describe(feature: str, value: float | np.floating[Any]) -> tuple[str, str]:
    """The English and Bengali sentence for one feature value."""
    # Sentences show at most one decimal (or a whole percent), so values equal to 4 decimals share a sentence.
    return _describe(feature, round(float(value), 4))


@functools.lru_cache(maxsize=100_000)
def _describe(feature: str, value: float) -> tuple[str, str]:
    sentence = SENTENCES.get(feature)
    if sentence is None:
        raise KeyError(f"no sentence for feature {feature!r}: add one to mlcore.explain.SENTENCES")
    en, bn = sentence(float(value))
    return en, bengali_digits(bn)


def top_reasons(
    contributions: AnyFloatArray, matrix: AnyFloatArray, feature_names: list[str], k: int = REASONS_K
) -> list[list[Reason]]:
    """The `k` features with the largest absolute contribution per row, strongest first.

    `contributions` is XGBoost's pred_contribs output (n × (features + 1), the bias last); `matrix` the inputs.
    A contribution of exactly 0 is never a reason, so a row may get fewer than `k`: the trees never split on that
    feature (it was constant in the training data, like a bare transaction log's discounts or ratings) or it moved
    nothing for this row.
    """
    effects = contributions[:, : len(feature_names)]
    k = min(k, len(feature_names))
    strongest = np.argpartition(-np.abs(effects), k - 1, axis=1)[:, :k]
    rows = np.arange(len(effects))[:, None]
    order = np.argsort(-np.abs(effects[rows, strongest]), axis=1)
    chosen = strongest[rows, order]
    reasons = []
    for row, columns in enumerate(chosen):
        row_reasons = []
        for column in columns:
            if effects[row, column] == 0:
                break  # strongest first: the rest are 0 too
            feature = feature_names[column]
            value = float(matrix[row, column])
            en, bn = describe(feature, value)
            row_reasons.append(Reason(feature, round(value, 4), round(float(effects[row, column]), 4), en, bn))
        reasons.append(row_reasons)
    return reasons
