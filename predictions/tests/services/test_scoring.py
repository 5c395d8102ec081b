"""Nightly scoring on the generated marketplace: one row per customer and day, risk, reasons, segments, reruns."""

import datetime as dt
import math
import re

import pytest
from django.db.models import Count

from customers.models import Customer, CustomerSegment
from loyalty.models import CustomerLoyalty
from mlcore.churn import MODEL_FEATURES
from mlcore.features import cutoff_of
from predictions.models import Prediction, RiskCategory, ScoringSettings
from predictions.services.scoring import customer_chunks, customers_score
from predictions.tests.conftest import AS_OF
from predictions.tests.factories import OutsiderBookingFactory, OutsiderCustomerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("marketplace")]

BENGALI = re.compile(r"[\u0980-\u09ff]")


def customers_with_a_booking_before(day: dt.date) -> set[int]:
    cutoff = cutoff_of(day).to_pydatetime()
    return set(Customer.objects.filter(bookings__booked_at__lt=cutoff).values_list("pk", flat=True))


def expected_risk(probability: float, thresholds: tuple[float, float, float]) -> str:
    medium, high, critical = thresholds
    if probability >= critical:
        return RiskCategory.CRITICAL
    if probability >= high:
        return RiskCategory.HIGH
    if probability >= medium:
        return RiskCategory.MEDIUM
    return RiskCategory.LOW


def day_snapshot(day: dt.date) -> dict[int, tuple]:
    return {
        row[0]: row[1:]
        for row in Prediction.objects.filter(as_of=day).values_list(
            "customer_id",
            "churn_probability",
            "risk_category",
            "reasons",
            "ltv",
            "ltv_low",
            "ltv_high",
            "segment",
            "loyalty_tier",
            "model_version",
            "ltv_model_version",
        )
    }


def test_every_customer_with_a_booking_before_as_of_gets_one_prediction(active_models):
    # given: a customer whose only booking comes after as_of, and one who never booked
    late = OutsiderBookingFactory(booked_at=dt.datetime(2026, 11, 3, 9, tzinfo=dt.UTC)).customer
    never = OutsiderCustomerFactory()
    expected = customers_with_a_booking_before(AS_OF)

    # when
    result = customers_score(as_of=AS_OF)

    # then
    scored = set(Prediction.objects.filter(as_of=AS_OF).values_list("customer_id", flat=True))
    assert result.scored == len(expected) == Prediction.objects.count()
    assert scored == expected
    assert late.pk not in scored
    assert never.pk not in scored
    assert result.as_of == AS_OF
    assert result.versions == active_models.versions
    assert set(Prediction.objects.values_list("model_version", "ltv_model_version")) == {
        (active_models.versions["churn"], active_models.versions["ltv"])
    }


def test_risk_categories_follow_the_scoring_settings(scored):
    # given
    thresholds = ScoringSettings.load().risk_thresholds
    assert thresholds == (0.3, 0.6, 0.8)

    # when
    rows = list(Prediction.objects.values_list("churn_probability", "risk_category"))

    # then
    assert all(category == expected_risk(probability, thresholds) for probability, category in rows)
    assert Prediction.objects.filter(churn_probability__gte=0.8).count() == (
        Prediction.objects.filter(risk_category=RiskCategory.CRITICAL).count()
    )
    assert {category for _, category in rows} == set(RiskCategory.values)


def test_changed_thresholds_apply_when_customers_are_scored_again(scored):
    # given
    ScoringSettings.objects.filter(pk=1).update(medium_risk_from=0.1, high_risk_from=0.5, critical_risk_from=0.95)

    # when
    customers_score(as_of=AS_OF)

    # then
    counts = dict(Prediction.objects.values_list("risk_category").annotate(n=Count("pk")).order_by())
    assert counts.get(RiskCategory.LOW, 0) == Prediction.objects.filter(churn_probability__lt=0.1).count()
    assert counts.get(RiskCategory.MEDIUM, 0) == (
        Prediction.objects.filter(churn_probability__gte=0.1, churn_probability__lt=0.5).count()
    )
    assert counts.get(RiskCategory.HIGH, 0) == (
        Prediction.objects.filter(churn_probability__gte=0.5, churn_probability__lt=0.95).count()
    )
    assert counts.get(RiskCategory.CRITICAL, 0) == Prediction.objects.filter(churn_probability__gte=0.95).count()
    assert sum(counts.values()) == scored.scored


def test_each_prediction_has_five_reasons_in_english_and_bengali_strongest_first(scored):
    # when
    predictions = list(Prediction.objects.all())

    # then
    assert len(predictions) == scored.scored
    for prediction in predictions:
        reasons = prediction.reasons
        assert len(reasons) == 5
        assert [set(reason) for reason in reasons] == [{"feature", "value", "contribution", "text_en", "text_bn"}] * 5
        assert all(reason["feature"] in MODEL_FEATURES for reason in reasons)
        assert len({reason["feature"] for reason in reasons}) == 5
        strengths = [abs(reason["contribution"]) for reason in reasons]
        assert strengths == sorted(strengths, reverse=True)
        assert all(reason["text_en"] and not BENGALI.search(reason["text_en"]) for reason in reasons)
        assert all(
            BENGALI.search(reason["text_bn"]) and not re.search(r"\d", reason["text_bn"], re.ASCII)
            for reason in reasons
        )


def test_lifetime_value_lies_within_its_interval(scored):
    # when
    rows = list(Prediction.objects.values_list("ltv_low", "ltv", "ltv_high"))

    # then
    assert len(rows) == scored.scored
    assert all(
        low is not None and ltv is not None and high is not None and 0 <= low <= ltv <= high for low, ltv, high in rows
    )


def test_scoring_the_same_day_again_replaces_the_rows(scored):
    # given
    first_pks = set(Prediction.objects.values_list("pk", flat=True))
    first = day_snapshot(AS_OF)

    # when
    again = customers_score(as_of=AS_OF)

    # then
    assert again.scored == scored.scored == Prediction.objects.count()
    assert day_snapshot(AS_OF) == first
    assert set(Prediction.objects.values_list("pk", flat=True)).isdisjoint(first_pks)
    assert not Prediction.objects.values("customer", "as_of").annotate(n=Count("pk")).filter(n__gt=1).exists()
    assert CustomerSegment.objects.count() == CustomerLoyalty.objects.count() == scored.scored


def test_scoring_another_day_adds_that_day(scored):
    # given
    next_day = AS_OF + dt.timedelta(days=1)

    # when
    result = customers_score(as_of=next_day)

    # then
    assert result.scored == len(customers_with_a_booking_before(next_day))
    assert dict(Prediction.objects.values_list("as_of").annotate(n=Count("pk")).order_by()) == {
        AS_OF: scored.scored,
        next_day: result.scored,
    }


def test_small_chunks_give_the_same_predictions_as_one_chunk(active_models):
    # given
    customers_score(as_of=AS_OF)
    one_chunk = day_snapshot(AS_OF)
    first, last = customer_chunks()[0]

    # when
    result = customers_score(as_of=AS_OF, chunk_size=200)

    # then
    assert result.chunks == math.ceil((last - first + 1) / 200) == len(customer_chunks(200))
    assert result.chunks > 5
    small_chunks = day_snapshot(AS_OF)
    assert small_chunks == one_chunk  # every field, LTV of customers without a completed booking included


def test_scoring_opens_one_segment_row_per_customer(scored):
    # when
    open_rows = dict(CustomerSegment.objects.filter(valid_to=None).values_list("customer_id", "segment__key"))

    # then
    assert open_rows == dict(Prediction.objects.values_list("customer_id", "segment"))
    assert CustomerSegment.objects.count() == scored.scored
    assert set(CustomerSegment.objects.values_list("valid_from", "model_version")) == {
        (AS_OF, scored.versions["segmentation"])
    }


def test_a_segment_change_closes_the_old_row_and_opens_a_new_one(scored):
    # given: two months without bookings later, some customers look different
    later = AS_OF + dt.timedelta(days=60)
    before = dict(Prediction.objects.filter(as_of=AS_OF).values_list("customer_id", "segment"))

    # when
    result = customers_score(as_of=later)

    # then
    after = dict(Prediction.objects.filter(as_of=later).values_list("customer_id", "segment"))
    moved = {pk for pk, segment in after.items() if before[pk] != segment}
    assert result.segment_moves == len(moved) > 0
    closed = CustomerSegment.objects.exclude(valid_to=None)
    assert set(closed.values_list("customer_id", flat=True)) == moved
    assert set(closed.values_list("valid_from", "valid_to")) == {(AS_OF, later)}
    assert set(CustomerSegment.objects.filter(customer_id__in=moved, valid_to=None).values_list("valid_from")) == {
        (later,)
    }
    open_rows = dict(CustomerSegment.objects.filter(valid_to=None).values_list("customer_id", "segment__key"))
    assert open_rows == after
    assert (
        not CustomerSegment.objects.filter(valid_to=None)
        .values("customer")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .exists()
    )


def test_backfilling_an_earlier_day_adds_its_predictions_and_leaves_the_history_alone(scored):
    # given
    earlier = AS_OF - dt.timedelta(days=30)
    segments = list(CustomerSegment.objects.order_by("pk").values_list("customer", "segment", "valid_from", "valid_to"))
    tiers = list(CustomerLoyalty.objects.order_by("pk").values_list("customer", "tier", "valid_from", "valid_to"))

    # when
    result = customers_score(as_of=earlier)

    # then
    assert (
        result.scored
        == len(customers_with_a_booking_before(earlier))
        == Prediction.objects.filter(as_of=earlier).count()
    )
    assert result.segment_moves == 0
    assert result.tier_changes == {"assigned": 0, "upgraded": 0, "downgraded": 0, "unchanged": result.scored}
    assert (
        list(CustomerSegment.objects.order_by("pk").values_list("customer", "segment", "valid_from", "valid_to"))
        == segments
    )
    assert (
        list(CustomerLoyalty.objects.order_by("pk").values_list("customer", "tier", "valid_from", "valid_to")) == tiers
    )
    assert set(Prediction.objects.filter(as_of=earlier).values_list("loyalty_tier", flat=True)) == {""}
