"""The reports on rows in the database: filters, the rows each statistic reads, and the cache the night renews."""

import datetime as dt

import pytest
from django.utils import timezone

from analytics.selectors import (
    AnalyticsFilters,
    Period,
    feature_drift_report,
    model_quality,
    month_ends,
    period_of,
    retention_report,
    revenue_report,
    roi_report,
    segments_report,
)
from analytics.tests.factories import active_churn_model, booking_on, judged_proposal
from customers.models import City, CustomerSegment, Segment
from customers.services.activity import customer_months_refresh
from customers.tests.factories import CustomerFactory
from interventions.models import NightlyRunRecord, NightlyState
from loyalty.models import LoyaltyTier
from loyalty.tests.factories import CustomerLoyaltyFactory
from predictions.models import ModelKind, ModelPerformance, ModelVersion
from predictions.services.drift import feature_drift_measure
from predictions.tests.factories import ModelPerformanceFactory, PredictionFactory

pytestmark = pytest.mark.django_db

JAN, FEB, MAR = dt.date(2025, 1, 10), dt.date(2025, 2, 10), dt.date(2025, 3, 10)
Q1 = AnalyticsFilters(start=dt.date(2025, 1, 1), end=dt.date(2025, 3, 31))


def test_the_default_period_is_the_year_up_to_the_last_booking():
    # given
    booking_on(CustomerFactory(), dt.date(2025, 6, 15))

    # then
    assert period_of(AnalyticsFilters()) == Period(start=dt.date(2024, 7, 1), end=dt.date(2025, 6, 15))
    assert month_ends(Period(dt.date(2024, 12, 5), dt.date(2025, 2, 10))) == [
        dt.date(2024, 12, 31),
        dt.date(2025, 1, 31),
        dt.date(2025, 2, 10),
    ]


def test_the_default_period_reaches_the_night_scored_after_the_last_booking():
    # given: a night runs as of the day after the last booking, and its model is trained as of that day too
    customer = CustomerFactory()
    booking_on(customer, dt.date(2025, 6, 15))
    PredictionFactory(customer=customer, as_of=dt.date(2025, 6, 16))
    ModelPerformanceFactory(as_of=dt.date(2025, 6, 17))

    # then: the night's predictions and the model's run are in the default period
    assert period_of(AnalyticsFilters()).end == dt.date(2025, 6, 17)


def test_retention_counts_completed_bookings_of_the_filtered_city():
    # given: two customers of Dhaka who joined in January, one of Chattogram
    stays, leaves = (CustomerFactory(joined_at=timezone.make_aware(dt.datetime(2025, 1, 2))) for _ in range(2))
    elsewhere = CustomerFactory(city=City.CHATTOGRAM, joined_at=timezone.make_aware(dt.datetime(2025, 1, 2)))
    for customer in (stays, leaves, elsewhere):
        booking_on(customer, JAN)
    booking_on(stays, FEB)
    booking_on(leaves, FEB, status="cancelled")
    booking_on(elsewhere, FEB)
    customer_months_refresh()  # as the import or the nightly run does

    # when
    report = retention_report(AnalyticsFilters(start=Q1.start, end=Q1.end, city=City.DHAKA))

    # then
    assert [(row.month.month, row.active, row.retained, row.rate) for row in report.months] == [
        (1, 2, 1, 0.5),
        (2, 1, 0, 0.0),
    ]
    assert [(cohort.size, cohort.retention) for cohort in report.cohorts.cohorts] == [
        (2, [1.0, 0.5, 0.0]),
        (0, [None, None, None]),
        (0, [None, None, None]),
    ]


def test_retention_of_nothing_is_empty_months():
    report = retention_report(Q1)

    assert [(row.active, row.rate) for row in report.months] == [(0, None), (0, None)]
    assert report.cohorts.curve == [None, None, None]


def test_roi_and_revenue_read_the_judged_proposals_of_the_period_and_action():
    # given: 2 sent and kept (one spent Tk 1500 within the window), 1 held out who left; one outside the period
    kept = judged_proposal(arm="sent", retained=True, on=JAN)
    booking_on(kept.customer, JAN + dt.timedelta(days=5), amount="1500.00")
    booking_on(kept.customer, JAN + dt.timedelta(days=200), amount="9999.00")  # after the window
    judged_proposal(arm="sent", retained=True, on=FEB)
    judged_proposal(arm="control", retained=False, on=FEB)
    judged_proposal(arm="control", retained=True, on=dt.date(2024, 12, 1))
    judged_proposal(arm="sent", retained=True, on=FEB, action="personal_call")

    # when
    roi = roi_report(AnalyticsFilters(start=Q1.start, end=Q1.end, action="win_back_discount"))
    revenue = revenue_report(AnalyticsFilters(start=Q1.start, end=Q1.end, action="win_back_discount"))

    # then
    overall = roi.ab[0]
    assert (overall.action, overall.segment, overall.test.treated, overall.test.control) == (
        "win_back_discount",
        "",
        2,
        1,
    )
    assert (overall.test.difference, overall.effect_of_sending, overall.test.too_small) == (1.0, 1.0, True)
    assert [(item.segment, item.roi.action, item.roi.customers_won) for item in roi.roi] == [
        ("", "win_back_discount", 2.0)
    ]
    action, total = revenue.by_action
    assert (action.action, action.spend_retained, action.recovered) == ("win_back_discount", 1500.0, 1500.0)
    assert (total.action, total.recovered, revenue.window_days) == ("", 1500.0, 90)


def test_roi_without_outcomes_is_empty():
    assert (roi_report(Q1).ab, roi_report(Q1).roi) == ([], [])
    [total] = revenue_report(Q1).by_action
    assert (total.recovered, total.too_small) == (None, True)


def test_segments_and_tiers_at_each_months_end_and_their_movement():
    # given: a customer loyal in January, at risk from February; a tier from February on
    customer = CustomerFactory()
    loyal, at_risk = Segment.objects.get(key="high_value_loyal"), Segment.objects.get(key="at_risk")
    CustomerSegment.objects.create(
        customer=customer,
        segment=loyal,
        valid_from=dt.date(2025, 1, 1),
        valid_to=dt.date(2025, 2, 1),
        model_version="s",
    )
    CustomerSegment.objects.create(
        customer=customer, segment=at_risk, valid_from=dt.date(2025, 2, 1), model_version="s"
    )
    CustomerLoyaltyFactory(customer=customer, tier=LoyaltyTier.objects.get(name="gold"), valid_from=dt.date(2025, 2, 1))

    # when
    report = segments_report(Q1)

    # then
    assert [row.counts for row in report.segments.distribution] == [
        {"high_value_loyal": 1},
        {"at_risk": 1},
        {"at_risk": 1},
    ]
    assert [row.flows for row in report.segments.movement] == [
        {"high_value_loyal": {"at_risk": 1}},
        {"at_risk": {"at_risk": 1}},
    ]
    assert [row.counts for row in report.tiers.distribution] == [{}, {"gold": 1}, {"gold": 1}]
    assert report.tiers.movement[0].moved == 1


def test_the_segment_filter_is_the_customers_current_segment():
    customer = CustomerFactory()
    CustomerSegment.objects.create(
        customer=customer, segment=Segment.objects.get(key="at_risk"), valid_from=dt.date(2025, 1, 1), model_version="s"
    )

    assert (
        segments_report(AnalyticsFilters(start=Q1.start, end=Q1.end, segment="at_risk")).segments.distribution[0].total
        == 1
    )
    assert (
        segments_report(AnalyticsFilters(start=Q1.start, end=Q1.end, segment="occasional"))
        .segments.distribution[0]
        .total
        == 0
    )


def test_model_quality_lists_the_churn_runs_of_the_period_and_marks_the_served_champion():
    # given
    ModelVersion.objects.create(kind=ModelKind.CHURN, version="churn-2", as_of=FEB, is_active=True)
    metrics = {"served": "model", "served_metrics": {"auc_roc": 0.75, "brier": 0.2}, "calibration": {}}
    ModelPerformance.objects.create(model_kind=ModelKind.CHURN, model_version="churn-1", as_of=JAN, metrics=metrics)
    ModelPerformance.objects.create(model_kind=ModelKind.CHURN, model_version="churn-2", as_of=FEB, metrics=metrics)
    ModelPerformance.objects.create(model_kind=ModelKind.LTV, model_version="ltv-1", as_of=FEB, metrics=metrics)

    # when
    runs = model_quality(Q1)

    # then
    assert [(run.version, run.active, run.band) for run in runs] == [
        ("churn-1", False, "fair"),
        ("churn-2", True, "fair"),
    ]


def test_drift_compares_each_scoring_day_with_the_training_snapshot():
    # given: one customer who booked in January, scored in February and March
    customer = CustomerFactory()
    booking_on(customer, JAN)
    active_churn_model(version="churn-1", as_of=FEB, trained_to=dt.date(2025, 1, 20))
    for day in (FEB, MAR):
        PredictionFactory(customer=customer, as_of=day)
        feature_drift_measure(as_of=day)  # as the night that scored the day does

    # when
    report = feature_drift_report(Q1)

    # then: the days since the last booking move out of the training bins; the number of bookings stays
    assert (report.version, report.reference_day) == ("churn-1", dt.date(2025, 1, 20))
    assert [day.day for day in report.days] == [FEB, MAR]
    assert {item.feature: item.band for item in report.days[0].features} == {
        "days_since_last_booking": "act",
        "bookings_total": "stable",
    }


def test_drift_without_an_active_model_is_empty():
    # given: a day scored, but no churn model to measure it against
    PredictionFactory(customer=CustomerFactory(), as_of=FEB)

    # then
    assert feature_drift_measure(as_of=FEB) is None
    assert feature_drift_report(Q1).days == []


def test_reports_are_cached_until_the_next_nightly_run_finishes():
    # given: a report read once
    customer = CustomerFactory()
    booking_on(customer, JAN)
    customer_months_refresh()
    first = retention_report(Q1)
    booking_on(customer, FEB)
    customer_months_refresh()

    # when: read again, then after a night
    again = retention_report(Q1)
    NightlyRunRecord.objects.create(
        as_of=MAR, state=NightlyState.COMPLETE, started_at=timezone.now(), finished_at=timezone.now()
    )
    after_night = retention_report(Q1)

    # then
    assert again == first
    assert first.months[0].retained == 0
    assert after_night.months[0].retained == 1
