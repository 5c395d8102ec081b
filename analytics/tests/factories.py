"""Rows the analytics reports read, on fixed days: bookings, judged proposals, and a whole quarter of them for the
report pages (reports_data)."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from customers.models import BookingStatus, City, CustomerSegment, Segment
from customers.services.activity import customer_months_refresh
from customers.tests.factories import BookingFactory, CustomerFactory
from interventions.models import Intervention, InterventionOutcome, InterventionStatus
from interventions.tests.factories import InterventionFactory
from loyalty.models import LoyaltyTier
from loyalty.tests.factories import CustomerLoyaltyFactory
from predictions.models import ModelKind, ModelPerformance, ModelVersion
from predictions.services.drift import feature_drift_measure
from predictions.tests.factories import PredictionFactory

DHAKA = ZoneInfo("Asia/Dhaka")


def at(day: dt.date) -> dt.datetime:
    """Noon in Dhaka on `day`."""
    return dt.datetime(day.year, day.month, day.day, 12, tzinfo=DHAKA)


def booking_on(customer, day: dt.date, amount: str = "1000.00", status: str = BookingStatus.COMPLETED):
    return BookingFactory(customer=customer, booked_at=at(day), amount=Decimal(amount), status=status)


def judged_proposal(*, arm: str, retained: bool, on: dt.date, **fields) -> Intervention:
    """A proposal made on `on` whose outcome is known: arm is "sent", "refused" or "control"."""
    status = {"sent": InterventionStatus.SENT, "refused": InterventionStatus.REJECTED}.get(
        arm, InterventionStatus.CONTROL
    )
    intervention = InterventionFactory(
        status=status,
        outcome=InterventionOutcome.RETAINED if retained else InterventionOutcome.CHURNED,
        sent_at=at(on) if arm == "sent" else None,
        prediction__as_of=on,  # proposed from that night's prediction
        **fields,
    )
    Intervention.objects.filter(pk=intervention.pk).update(created_at=at(on))
    intervention.refresh_from_db()
    return intervention


def active_churn_model(*, version: str, as_of: dt.date, trained_to: dt.date) -> ModelVersion:
    """The churn model serving now, reading two features, its training rows taken up to `trained_to`."""
    return ModelVersion.objects.create(
        kind=ModelKind.CHURN,
        version=version,
        as_of=as_of,
        is_active=True,
        metadata={
            "feature_names": ["days_since_last_booking", "bookings_total"],
            "report": {"train_cutoffs": [trained_to.isoformat()]},
        },
    )


def reports_data() -> None:
    """Rows for every report page over Q1 2025 (see REPORT_PERIOD): retention in Dhaka and elsewhere, judged
    proposals of two actions (one with enough customers, one too few), segment and tier spells, two churn training
    runs and two scoring days of the active model."""
    jan, feb, mar = dt.date(2025, 1, 10), dt.date(2025, 2, 10), dt.date(2025, 3, 10)
    joined = at(dt.date(2025, 1, 2))
    # retention in Dhaka: 3 active in January, 2 of them in February, 1 of those in March; one of Chattogram
    dhaka = [CustomerFactory(joined_at=joined, area="Mirpur") for _ in range(3)]
    for index, customer in enumerate(dhaka):
        for day in (jan, feb, mar)[: 3 - index]:
            booking_on(customer, day)
    booking_on(CustomerFactory(joined_at=joined, city=City.CHATTOGRAM, area="Agrabad"), jan)
    customer_months_refresh()  # as the import or the nightly run does
    # A/B: win-back discount to 30 proposed (20 stayed) against 30 held out (10 stayed); a personal call too few
    for arm, retained, count in (
        ("sent", True, 20),
        ("sent", False, 10),
        ("control", True, 10),
        ("control", False, 20),
    ):
        for _ in range(count):
            judged_proposal(arm=arm, retained=retained, on=feb, prediction__segment=Segment.Key.AT_RISK)
    judged_proposal(arm="sent", retained=True, on=feb, action="personal_call")
    judged_proposal(arm="control", retained=False, on=feb, action="personal_call")
    # segments and tiers: a loyal customer turns at risk in February and reaches gold
    loyal, at_risk = Segment.objects.get(key=Segment.Key.HIGH_VALUE_LOYAL), Segment.objects.get(key=Segment.Key.AT_RISK)
    CustomerSegment.objects.create(
        customer=dhaka[0],
        segment=loyal,
        valid_from=dt.date(2025, 1, 1),
        valid_to=dt.date(2025, 2, 1),
        model_version="s",
    )
    CustomerSegment.objects.create(
        customer=dhaka[0], segment=at_risk, valid_from=dt.date(2025, 2, 1), model_version="s"
    )
    CustomerLoyaltyFactory(customer=dhaka[0], tier=LoyaltyTier.objects.get(name="gold"), valid_from=dt.date(2025, 2, 1))
    # model quality: two runs, the second served; calibration by decile; two scoring days for drift
    active_churn_model(version="churn-2", as_of=feb, trained_to=dt.date(2025, 1, 20))
    for version, day, auc in (("churn-1", jan, 0.74), ("churn-2", feb, 0.82)):
        ModelPerformance.objects.create(
            model_kind=ModelKind.CHURN,
            model_version=version,
            as_of=day,
            n_holdout=500,
            metrics={
                "served": "model",
                "served_metrics": {"auc_roc": auc, "precision": 0.6, "recall": 0.5, "brier": 0.18},
                "model": {"auc_roc": auc, "precision": 0.6, "recall": 0.5, "brier": 0.18},
                "baselines": {"recency": {"auc_roc": 0.7, "precision": 0.5, "recall": 0.45, "brier": 0.21}},
                "calibration": {"predicted": [0.1, 0.5, 0.9], "actual": [0.12, 0.45, 0.85], "n": [50, 50, 50]},
            },
        )
    for day in (feb, mar):
        PredictionFactory(customer=dhaka[0], as_of=day)
        feature_drift_measure(as_of=day)  # as the night that scored the day does


REPORT_PERIOD = {"start": "2025-01-01", "end": "2025-03-31"}
