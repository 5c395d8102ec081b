"""A small history every section of the management report has something to show from, over PERIOD (the first four
months of 2025): two signup cohorts, proposals judged against a control group, a segment and tier move, two
training runs."""

import datetime as dt

from django.utils import timezone

from analytics.selectors import AnalyticsFilters
from analytics.tests.factories import booking_on, judged_proposal
from customers.models import CustomerSegment, Segment
from customers.services.activity import customer_months_refresh
from customers.tests.factories import CustomerFactory
from loyalty.models import LoyaltyTier
from loyalty.tests.factories import CustomerLoyaltyFactory
from predictions.models import ModelKind, ModelPerformance, ModelVersion

PERIOD = AnalyticsFilters(start=dt.date(2025, 1, 1), end=dt.date(2025, 4, 30))
JAN, FEB, MAR, APR = (dt.date(2025, month, 10) for month in (1, 2, 3, 4))


def joined(day: dt.date):
    return CustomerFactory(joined_at=timezone.make_aware(dt.datetime(day.year, day.month, 2)))


def report_history() -> None:
    """January: 4 sign up and book, 3 book again in February, 2 in March. February: 2 sign up and book, 1 in March.
    Retention month to month: Jan 3/4, Feb 3/5, Mar 0/3 (nobody books in April) = 6 of 12."""
    january = [joined(JAN) for _ in range(4)]
    february = [joined(FEB) for _ in range(2)]
    for customer in january:
        booking_on(customer, JAN)
    for customer in january[:3]:
        booking_on(customer, FEB)
    for customer in january[:2]:
        booking_on(customer, MAR)
    for customer in february:
        booking_on(customer, FEB)
    booking_on(february[0], MAR)
    customer_months_refresh()  # as the import or the nightly run does

    # Win-back discounts: 3 of 4 proposed stay, 1 of 2 held out; personal calls: 1 proposed stays, 1 held out leaves.
    for retained in (True, True, True, False):
        judged_proposal(arm="sent", retained=retained, on=FEB)
    for retained in (True, False):
        judged_proposal(arm="control", retained=retained, on=FEB)
    judged_proposal(arm="sent", retained=True, on=MAR, action="personal_call")
    judged_proposal(arm="control", retained=False, on=MAR, action="personal_call")

    mover = january[0]
    CustomerSegment.objects.create(
        customer=mover,
        segment=Segment.objects.get(key="high_value_loyal"),
        valid_from=dt.date(2025, 1, 1),
        valid_to=dt.date(2025, 3, 1),
        model_version="s",
    )
    CustomerSegment.objects.create(
        customer=mover, segment=Segment.objects.get(key="at_risk"), valid_from=dt.date(2025, 3, 1), model_version="s"
    )
    CustomerLoyaltyFactory(customer=mover, tier=LoyaltyTier.objects.get(name="gold"), valid_from=dt.date(2025, 2, 1))

    ModelVersion.objects.create(kind=ModelKind.CHURN, version="churn-2025-03", as_of=MAR, is_active=True)
    for version, day, auc in (("churn-2025-02", FEB, 0.78), ("churn-2025-03", MAR, 0.812)):
        metrics = {
            "served": "model",
            "served_metrics": {"auc_roc": auc, "precision": 0.61, "recall": 0.7, "brier": 0.18},
            "model": {"auc_roc": auc},
            "baselines": {"recency": {"auc_roc": 0.71}, "bg_nbd": {"auc_roc": 0.74}},
            "calibration": {"predicted": [0.1, 0.5, 0.9], "actual": [0.12, 0.45, 0.88], "n": [40, 40, 40]},
        }
        ModelPerformance.objects.create(
            model_kind=ModelKind.CHURN, model_version=version, as_of=day, n_holdout=120, metrics=metrics
        )
