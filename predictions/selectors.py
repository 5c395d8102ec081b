"""Reads for the prediction pipeline and its interfaces: history frames for mlcore, latest predictions."""

import datetime as dt
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Max, Q, QuerySet, Sum

from customers.models import Customer, Segment
from mlcore.explain import REASONS_K
from mlcore.features import History, cutoff_of
from mlcore.single import CustomerEvents
from predictions.models import ModelKind, ModelVersion, Prediction, RiskCategory, ScoringSettings
from sheba_retention.common.bulk import read_frame

# A booking as the features read it (mlcore.features.BOOKING_COLUMNS less customer_id), for the batch and live paths.
BOOKING_FIELDS = (
    "b.booked_at, b.amount, b.discount, b.status, b.rating, c.slug, "
    "COALESCE(p.is_premium, FALSE), COALESCE(p.is_verified, FALSE)"
)
BOOKING_JOINS = (
    "FROM customers_booking b JOIN customers_service s ON s.id = b.service_id "
    "JOIN customers_servicecategory c ON c.id = s.category_id "
    "LEFT JOIN customers_provider p ON p.id = b.provider_id"
)


def history_load(*, before: dt.date | None = None, customer_ids: tuple[int, int] | None = None) -> History:
    """Bookings, complaints and competitor searches known before `before` (all of them when None).

    `customer_ids` is an inclusive (first, last) primary-key range: scoring runs in chunks of customers.
    """
    conditions, params = [], []
    if before is not None:
        conditions.append("{time} < %s")
        params.append(cutoff_of(before).to_pydatetime())
    if customer_ids is not None:
        conditions.append("{customer} BETWEEN %s AND %s")
        params += list(customer_ids)

    # The WHERE clauses are built from the fixed fragments above; every value is a query parameter.
    def where(time: str, customer: str) -> str:
        return (" WHERE " + " AND ".join(conditions).format(time=time, customer=customer)) if conditions else ""

    bookings = read_frame(
        f"SELECT b.customer_id, {BOOKING_FIELDS} {BOOKING_JOINS}" + where("b.booked_at", "b.customer_id"),
        params,
        columns=[
            "customer_id",
            "booked_at",
            "amount",
            "discount",
            "status",
            "rating",
            "category",
            "provider_premium",
            "provider_verified",
        ],
        datetimes=("booked_at",),
    )
    bookings["amount"] = bookings["amount"].astype(float)
    bookings["discount"] = bookings["discount"].astype(float)
    bookings["rating"] = pd.to_numeric(bookings["rating"], errors="coerce")
    for flag in ("provider_premium", "provider_verified"):
        bookings[flag] = bookings[flag].map(_as_bool)
    complaints = read_frame(
        "SELECT customer_id, created_at FROM customers_complaint" + where("created_at", "customer_id"),  # noqa: S608
        params,
        columns=["customer_id", "created_at"],
        datetimes=("created_at",),
    )
    searches = read_frame(
        "SELECT customer_id, searched_at FROM customers_competitorsearch"  # noqa: S608
        + where("searched_at", "customer_id"),
        params,
        columns=["customer_id", "searched_at"],
        datetimes=("searched_at",),
    )
    customer_where = " WHERE id BETWEEN %s AND %s" if customer_ids is not None else ""
    customers = read_frame(
        "SELECT id, joined_at FROM customers_customer" + customer_where,  # noqa: S608
        list(customer_ids) if customer_ids is not None else [],
        columns=["customer_id", "joined_at"],
        datetimes=("joined_at",),
    )
    return History(customers=customers, bookings=bookings, complaints=complaints, searches=searches)


def _as_bool(value) -> bool:
    return value in (True, 1, "t", "true", "True", "1")


def latest_as_of() -> dt.date | None:
    """The most recent day anything was scored."""
    return Prediction.objects.aggregate(latest=Max("as_of"))["latest"]


def scoring_days(*, limit: int = 90) -> list[dt.date]:
    """The days customers were scored, the latest first."""
    days = Prediction.objects.order_by("-as_of").values_list("as_of", flat=True).distinct()
    return list(days[:limit])


def prediction_history(*, customer: Customer, limit: int = 36) -> QuerySet[Prediction]:
    """One customer's scores over time, the latest first."""
    return customer.predictions.order_by("-as_of")[:limit]


def prediction_list(*, as_of: dt.date | None = None) -> QuerySet[Prediction]:
    """Predictions of one scoring day (the latest by default), with their customer."""
    as_of = as_of or latest_as_of()
    return Prediction.objects.filter(as_of=as_of).select_related("customer")


def at_risk_list(*, as_of: dt.date | None = None) -> QuerySet[Prediction]:
    """Customers flagged at risk (at or above the high-risk threshold), most likely to leave first."""
    threshold = ScoringSettings.load().high_risk_from
    return prediction_list(as_of=as_of).filter(churn_probability__gte=threshold).order_by("-churn_probability", "pk")


def latest_prediction(*, customer: Customer) -> Prediction | None:
    return customer.predictions.order_by("-as_of").first()


# Scoring and model activation replace this token after they commit (predictions.services): the dashboard's figures
# are computed once per change, not per request (a fifth of a second of aggregates over a day's predictions).
SCORING_GENERATION_KEY = "predictions:scoring-generation"
DASHBOARD_SECONDS = 26 * 60 * 60  # a night and a bit; a new generation's key replaces it sooner


def dashboard_summary(*, as_of: dt.date | None = None) -> dict:
    """Counts and rates of one scoring day for the dashboards and the API, cached until scoring changes them."""
    as_of = as_of or latest_as_of()
    threshold = ScoringSettings.load().high_risk_from
    key = f"predictions:dashboard:{as_of}:{threshold}:{cache.get(SCORING_GENERATION_KEY, 'first')}"
    summary = cache.get(key)
    if summary is None:
        summary = _dashboard_compute(as_of, threshold)
        cache.set(key, summary, DASHBOARD_SECONDS)
    return summary


def dashboard_invalidate() -> None:
    """Call after scoring or an activation commits (transaction.on_commit): the next request computes afresh."""
    cache.set(SCORING_GENERATION_KEY, uuid.uuid4().hex, None)


def _dashboard_compute(as_of: dt.date | None, threshold: float) -> dict:
    predictions = Prediction.objects.filter(as_of=as_of)
    at_risk = Q(churn_probability__gte=threshold)
    # one pass over the day's predictions for the totals and all three breakdowns (at most bands × segments × tiers
    # groups, summed here)
    groups = list(
        predictions.values("risk_category", "segment", "loyalty_tier")
        .annotate(
            n=Count("pk"),
            churn_sum=Sum("churn_probability"),
            at_risk=Count("pk", filter=at_risk),
            ltv_total=Sum("ltv"),
            ltv_at_risk=Sum("ltv", filter=at_risk),
        )
        .order_by()
    )

    def total(key: str) -> Any:
        return sum((group[key] or 0 for group in groups), 0)

    def breakdown(key: str) -> Counter[str]:
        counts: Counter[str] = Counter()
        for group in groups:
            counts[group[key]] += group["n"]
        return counts

    customers, risky = total("n"), total("at_risk")
    by_risk, by_segment = breakdown("risk_category"), breakdown("segment")
    return {
        "as_of": as_of,
        "customers": customers,
        "at_risk": risky,
        "at_risk_rate": risky / customers if customers else 0.0,
        "high_risk_threshold": threshold,
        "mean_churn_probability": total("churn_sum") / customers if customers else 0.0,
        "ltv_total": total("ltv_total"),
        "ltv_at_risk": total("ltv_at_risk"),
        "by_risk": {risk: by_risk.get(risk, 0) for risk in RiskCategory.values},
        "by_segment": {segment: by_segment.get(segment, 0) for segment in offered_segments(by_segment)},
        "by_tier": dict(breakdown("loyalty_tier")),
        "model_version": predictions.values_list("model_version", flat=True).first() or "",
    }


def offered_segments(counted: dict[str, int] | None = None) -> list[str]:
    """The segments the active segmentation offers (a log without discounts has no Price-Sensitive), in the usual
    order, plus any a day's predictions still hold from an earlier model; every segment for a model from before."""
    row = ModelVersion.objects.filter(kind=ModelKind.SEGMENTATION, is_active=True).only("metadata").first()
    offered = set((row.metadata or {}).get("segments") or Segment.Key.values) if row else set(Segment.Key.values)
    offered |= {segment for segment, n in (counted or {}).items() if segment and n}
    return [segment for segment in Segment.Key.values if segment in offered]


EXPORT_REASONS = REASONS_K
# The first columns are fixed (issue #3); customer_id is the external id exactly as imported or generated.
EXPORT_FIXED = ["as_of", "churn_probability", "risk_category", "ltv", "ltv_low", "ltv_high", "segment", "loyalty_tier"]
EXPORT_COLUMNS = [
    "customer_id",
    *EXPORT_FIXED,
    *[f"reason_{i}_{part}" for i in range(1, EXPORT_REASONS + 1) for part in ("feature", "contribution", "en", "bn")],
]


def export_rows(*, as_of: dt.date | None = None) -> Iterator[list]:
    """Rows of export_predictions, in EXPORT_COLUMNS order."""
    queryset = (
        prediction_list(as_of=as_of)
        .order_by("customer__external_id")
        .values_list("customer__external_id", *EXPORT_FIXED, "reasons")
    )
    for *fixed, reasons in queryset.iterator(chunk_size=5000):
        cells = []
        for index in range(EXPORT_REASONS):
            reason = reasons[index] if index < len(reasons) else {}
            cells += [reason.get(key, "") for key in ("feature", "contribution", "text_en", "text_bn")]
        yield [*fixed, *cells]


def customer_events(*, customer: Customer, before: dt.date) -> CustomerEvents:
    """One customer's history as arrays for the real-time path: three small queries, no pandas."""
    cutoff = cutoff_of(before).to_pydatetime()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {BOOKING_FIELDS} {BOOKING_JOINS} WHERE b.customer_id = %s AND b.booked_at < %s",  # noqa: S608
            [customer.pk, cutoff],
        )
        bookings = cursor.fetchall()
        cursor.execute(
            "SELECT created_at FROM customers_complaint WHERE customer_id = %s AND created_at < %s",
            [customer.pk, cutoff],
        )
        complaints = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT searched_at FROM customers_competitorsearch WHERE customer_id = %s AND searched_at < %s",
            [customer.pk, cutoff],
        )
        searches = [row[0] for row in cursor.fetchall()]
    columns = list(zip(*bookings, strict=True)) if bookings else [()] * 8
    return CustomerEvents(
        joined_at=_utc64(customer.joined_at),
        booked_at=np.array([_utc64(value) for value in columns[0]], dtype="datetime64[us]"),
        amount=np.array(columns[1], dtype=float),
        discount=np.array(columns[2], dtype=float),
        status=np.array(columns[3], dtype=object),
        rating=np.array([np.nan if value is None else value for value in columns[4]], dtype=float),
        category=np.array(columns[5], dtype=object),
        provider_premium=np.array([_as_bool(value) for value in columns[6]], dtype=bool),
        provider_verified=np.array([_as_bool(value) for value in columns[7]], dtype=bool),
        complaint_at=np.array([_utc64(value) for value in complaints], dtype="datetime64[us]"),
        search_at=np.array([_utc64(value) for value in searches], dtype="datetime64[us]"),
    )


def _utc64(value) -> np.datetime64:
    """A datetime from the database (aware, or SQLite's naive-UTC text) as naive UTC datetime64."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return np.datetime64(value, "us")


def training_snapshot_day(version: ModelVersion) -> dt.date:
    """The latest day the churn model's training rows were taken on (its version's day for a fallback)."""
    cutoffs = (version.metadata.get("report") or {}).get("train_cutoffs") or []
    return dt.date.fromisoformat(cutoffs[-1]) if cutoffs else version.as_of
