"""Reads for the analyst portal and the analytics API: rows from every app, the statistics from mlcore, cached until
the next nightly run.

Each report takes AnalyticsFilters (a period, a segment, an action, a city and area) and returns mlcore's
dataclasses. Results are kept in the cache (Redis where it is configured) under a key holding the last completed
nightly run, so the night's new scores, outcomes and histories show the next morning without interventions knowing
that analytics exists.
"""

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import TypeVar
from zoneinfo import ZoneInfo

import pandas as pd
from django.core.cache import cache
from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    DateTimeField,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from customers.models import Booking, BookingStatus, Customer, CustomerMonth, CustomerSegment
from interventions.models import Intervention, NightlyRunRecord, NightlyState
from interventions.services.outcomes import judged_proposals, roi_costs, roi_rows
from loyalty.models import CustomerLoyalty
from mlcore.abtest import AbResult, RevenueRecovered, SegmentRoi, ab_measure, revenue_recovered, roi_by_segment
from mlcore.drift import DayDrift, FeatureDrift
from mlcore.features import LOCAL_TZ, cutoff_of
from mlcore.movement import Distribution, Movement, distribution_over_time, movement_between
from mlcore.quality import RunQuality, run_quality
from mlcore.retention import (
    CohortRetention,
    MonthCounts,
    MonthRetention,
    cohort_retention,
    months_between,
    retention_over_time,
)
from predictions.models import FeatureDriftDay, ModelKind, ModelPerformance, ModelVersion, ScoringSettings
from predictions.selectors import latest_as_of

DEFAULT_MONTHS = 12  # the period shown when none is asked for: the last year of bookings
CACHE_SECONDS = 26 * 60 * 60  # a night and a bit: the next run's key replaces it anyway
DRIFT_DAYS = 14  # the latest scoring days whose drift is measured

T = TypeVar("T")


@dataclass(frozen=True)
class AnalyticsFilters:
    start: dt.date | None = None
    end: dt.date | None = None
    segment: str = ""  # a Segment.Key: the customer's current segment; a proposal's segment when it was made
    action: str = ""  # an InterventionAction (the A/B results, ROI and revenue only)
    city: str = ""
    area: str = ""


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date


def last_data_day() -> dt.date:
    """The last day anything happened: the last booking, or the last scoring or training day if later (a night runs
    as of the day after the last booking, and its predictions, segments, tiers and model must be in the default
    period)."""
    last = Booking.objects.aggregate(last=Max("booked_at"))["last"]
    days = [last.astimezone(ZoneInfo(LOCAL_TZ)).date()] if last else []
    days += [day for day in (latest_as_of(), ModelPerformance.objects.aggregate(last=Max("as_of"))["last"]) if day]
    return max(days) if days else timezone.localdate()


def period_of(filters: AnalyticsFilters) -> Period:
    """The period asked for; by default the DEFAULT_MONTHS months up to the last day with data."""
    end = filters.end or last_data_day()
    return Period(start=filters.start or months_before(end.replace(day=1), DEFAULT_MONTHS - 1), end=end)


def months_before(month: dt.date, months: int) -> dt.date:
    index = month.year * 12 + month.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


def last_nightly_run() -> str:
    """When the last nightly run finished ("none" before the first): part of every cache key."""
    finished = NightlyRunRecord.objects.filter(state=NightlyState.COMPLETE).aggregate(last=Max("finished_at"))["last"]
    return finished.isoformat() if finished else "none"


def cached(report: str, filters: AnalyticsFilters, compute: Callable[[], T]) -> T:
    """`compute()`, kept until the next nightly run finishes."""
    asked = hashlib.sha256(repr(sorted(asdict(filters).items())).encode()).hexdigest()[:16]
    key = f"analytics:{report}:{last_nightly_run()}:{asked}"
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, CACHE_SECONDS)
    return found


def customers_of(filters: AnalyticsFilters, *, by_segment: bool = True) -> QuerySet[Customer]:
    customers = Customer.objects.all()
    if filters.city:
        customers = customers.filter(city=filters.city)
    if filters.area:
        customers = customers.filter(area=filters.area)
    if by_segment and filters.segment:
        customers = customers.filter(
            segment_history__valid_to__isnull=True, segment_history__segment__key=filters.segment
        )
    return customers


def _between(period: Period) -> tuple[dt.datetime, dt.datetime]:
    """The first instant of the period and the first after it, in Dhaka."""
    return cutoff_of(period.start).to_pydatetime(), cutoff_of(period.end + dt.timedelta(days=1)).to_pydatetime()


def _filtered(rows: QuerySet, filters: AnalyticsFilters) -> QuerySet:
    """`rows` (with a `customer`) of the filtered customers; without a customer filter, all of them, unjoined."""
    if filters.city or filters.area or filters.segment:
        return rows.filter(customer__in=customers_of(filters))
    return rows


def _per(rows: QuerySet, *keys: str) -> dict:
    """How many of `rows` there are per value of `keys` (a tuple of them past one key)."""
    counted = rows.values(*keys).annotate(n=Count("pk")).values_list(*keys, "n").order_by()
    return {(tuple(row[:-1]) if len(keys) > 1 else row[0]): row[-1] for row in counted}


def month_counts(filters: AnalyticsFilters, period: Period) -> MonthCounts:
    """What retention and cohorts count, counted by the database from the filtered customers' active months and
    signups over the period's months."""
    first = period.start.replace(day=1)
    start, after = _between(Period(first, period.end))
    months = _filtered(CustomerMonth.objects.filter(month__gte=first, month__lte=period.end), filters)
    joined = {"customer__joined_at__gte": start, "customer__joined_at__lt": after}
    signed_up = customers_of(filters).filter(joined_at__gte=start, joined_at__lt=after)
    return MonthCounts(
        active=_per(months, "month"),
        retained=_per(months.filter(active_next_month=True), "month"),
        signups=_per(signed_up.annotate(month=_month_joined("joined_at", period)), "month"),
        cohort_active=_per(
            months.filter(**joined).annotate(cohort=_month_joined("customer__joined_at", period)), "cohort", "month"
        ),
    )


def _month_joined(field: str, period: Period) -> Case:
    """The first day of the Dhaka month of `field`, a moment in the period, by comparing it with the months'
    first instants: SQLite truncates a date by calling Python once per row, which cost more than the whole query."""
    months = months_between(period.start, period.end)
    ends = [_between(Period(month, month))[0] for month in months[1:]]
    return Case(
        *[When(**{f"{field}__lt": end}, then=Value(month)) for month, end in zip(months, ends, strict=False)],
        default=Value(months[-1]),
        output_field=DateField(),
    )


@dataclass(frozen=True)
class RetentionReport:
    period: Period
    months: list[MonthRetention]
    cohorts: CohortRetention


def retention_report(filters: AnalyticsFilters) -> RetentionReport:
    """Retention month to month, and by signup cohort, of the filtered customers over the period."""

    def compute() -> RetentionReport:
        period = period_of(filters)
        counts = month_counts(filters, period)
        return RetentionReport(
            period=period,
            months=retention_over_time(counts, first=period.start, last=period.end),
            cohorts=cohort_retention(counts, first=period.start, last=period.end),
        )

    return cached("retention", filters, compute)


def judged_of(filters: AnalyticsFilters) -> QuerySet[Intervention]:
    """Proposals with an outcome, made in the period, of the filtered action, segment (at the proposal) and place."""
    first, after = _between(period_of(filters))
    judged = judged_proposals().filter(created_at__gte=first, created_at__lt=after)
    if filters.city or filters.area:
        judged = judged.filter(customer__in=customers_of(filters, by_segment=False))
    if filters.action:
        judged = judged.filter(action=filters.action)
    if filters.segment:
        judged = judged.filter(prediction__segment=filters.segment)
    return judged


def spend_in_window(judged: QuerySet[Intervention]) -> dict[int, float]:
    """Per proposal, Tk its customer spent on completed bookings in the churn window after it was made."""
    window = dt.timedelta(days=ScoringSettings.load().churn_window_days)
    spent = (
        Booking.objects.filter(
            customer=OuterRef("customer"),
            status=BookingStatus.COMPLETED,
            booked_at__gte=OuterRef("created_at"),
            booked_at__lt=OuterRef("ends"),
        )
        .values("customer")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    rows = judged.annotate(
        ends=ExpressionWrapper(F("created_at") + window, output_field=DateTimeField()),
        spend=Coalesce(Subquery(spent), Value(Decimal(0))),
    ).values_list("pk", "spend")
    return {pk: float(spend) for pk, spend in rows}


def judged_frame(filters: AnalyticsFilters) -> pd.DataFrame:
    """One row per judged proposal: what mlcore.experiments and mlcore.abtest read, `spend` included."""
    judged = judged_of(filters)
    rows = roi_rows(judged)
    spend = spend_in_window(judged)
    rows["spend"] = rows["pk"].map(lambda pk: spend.get(pk, 0.0)).astype(float)
    rows["segment"] = rows["segment"].fillna("")
    return rows


@dataclass(frozen=True)
class RoiReport:
    period: Period
    ab: list[AbResult]  # per action, then per action and segment
    roi: list[SegmentRoi]


@dataclass(frozen=True)
class RevenueReport:
    period: Period
    window_days: int
    by_action: list[RevenueRecovered]  # per action, then all actions together (action "")


@dataclass(frozen=True)
class OutcomesReport:
    roi: RoiReport
    revenue: RevenueReport


def outcomes_report(filters: AnalyticsFilters) -> OutcomesReport:
    """The A/B results, the return of each action and the revenue recovered, from one read of the judged proposals
    (the ROI page and the PDF show all three)."""

    def compute() -> OutcomesReport:
        rows, period = judged_frame(filters), period_of(filters)
        return OutcomesReport(
            roi=RoiReport(period=period, ab=ab_measure(rows), roi=roi_by_segment(rows, **roi_costs())),
            revenue=RevenueReport(
                period=period,
                window_days=ScoringSettings.load().churn_window_days,
                by_action=revenue_recovered(rows),
            ),
        )

    return cached("outcomes", filters, compute)


def roi_report(filters: AnalyticsFilters) -> RoiReport:
    """A/B results and the return of each action, across segments and within each."""
    return outcomes_report(filters).roi


def revenue_report(filters: AnalyticsFilters) -> RevenueReport:
    """What the proposals' retained customers spent above what the control group's retention predicts."""
    return outcomes_report(filters).revenue


def month_ends(period: Period) -> list[dt.date]:
    """The last day of each month of the period (the period's end for its last month)."""
    starts = months_between(period.start, period.end)
    return [min(months_before(month, -1) - dt.timedelta(days=1), period.end) for month in starts]


@dataclass(frozen=True)
class StatesReport:
    distribution: list[Distribution]  # on the last day of each month
    movement: list[Movement]  # from each month's last day to the next's


@dataclass(frozen=True)
class SegmentsReport:
    period: Period
    segments: StatesReport
    tiers: StatesReport


def _states(spells: QuerySet, state: str, days: list[dt.date]) -> StatesReport:
    # The days as ISO text, parsed by pandas all at once: SQLite's driver would parse each date in Python (57k spells
    # on the demo: a third of the page's time). .order_by(): the history's default order would join the customers
    # to sort by their id, for nothing.
    days_as_text = spells.annotate(start=Cast("valid_from", CharField()), end=Cast("valid_to", CharField()))
    rows = pd.DataFrame(
        list(days_as_text.values_list("customer_id", state, "start", "end").order_by()),
        columns=["customer_id", "state", "valid_from", "valid_to"],
    )
    return StatesReport(distribution=distribution_over_time(rows, days), movement=movement_between(rows, days))


def segments_report(filters: AnalyticsFilters) -> SegmentsReport:
    """Segment and loyalty tier distribution at each month's end, and the movement between them month to month."""

    def compute() -> SegmentsReport:
        period = period_of(filters)
        # the spells that hold on some day of the period
        during = Q(valid_from__lte=period.end) & (Q(valid_to__isnull=True) | Q(valid_to__gt=period.start))
        days = month_ends(period)
        segments = _filtered(CustomerSegment.objects.filter(during), filters)
        tiers = _filtered(CustomerLoyalty.objects.filter(during), filters)
        return SegmentsReport(
            period=period,
            segments=_states(segments, "segment__key", days),
            tiers=_states(tiers, "tier__name", days),
        )

    return cached("segments", filters, compute)


def model_quality(filters: AnalyticsFilters) -> list[RunQuality]:
    """Every churn training run trained as of a day in the period, oldest first, beside its baselines."""

    def compute() -> list[RunQuality]:
        period = period_of(filters)
        active = set(
            ModelVersion.objects.filter(kind=ModelKind.CHURN, is_active=True).values_list("version", flat=True)
        )
        runs = ModelPerformance.objects.filter(
            model_kind=ModelKind.CHURN, as_of__gte=period.start, as_of__lte=period.end
        ).order_by("as_of", "trained_at")
        return [
            run_quality(
                version=run.model_version,
                as_of=run.as_of,
                active=run.model_version in active,
                n_holdout=run.n_holdout,
                metrics=run.metrics,
            )
            for run in runs
        ]

    return cached("quality", filters, compute)


@dataclass(frozen=True)
class DriftReport:
    version: str  # the churn model whose training snapshot is the reference; "" without one
    reference_day: dt.date | None
    days: list[DayDrift]


def feature_drift_report(filters: AnalyticsFilters) -> DriftReport:
    """PSI of each feature of the latest DRIFT_DAYS scoring days of the period against the churn model's training
    snapshot, as the nights measured them (predictions.services.drift): over every customer scored that day, so the
    customer filters do not apply. The days measured against the latest day's model, oldest first."""

    def compute() -> DriftReport:
        period = period_of(filters)
        measured = FeatureDriftDay.objects.filter(as_of__gte=period.start, as_of__lte=period.end)
        latest = measured.first()
        if latest is None:
            return DriftReport(version="", reference_day=None, days=[])
        rows = list(measured.filter(model_version=latest.model_version)[:DRIFT_DAYS])
        days = [
            DayDrift(
                day=row.as_of,
                customers=row.customers,
                features=[FeatureDrift(item["feature"], item["psi"], item["band"]) for item in row.features],
                band=row.band,
            )
            for row in reversed(rows)
        ]
        return DriftReport(latest.model_version, latest.reference_day, days)

    return cached("drift", filters, compute)
