"""factory_boy factories for predictions and model performance rows."""

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from customers.tests.factories import BookingFactory, CustomerFactory, ProviderFactory
from predictions.models import ModelKind, ModelPerformance, Prediction, RiskCategory


class PredictionFactory(factory.django.DjangoModelFactory[Prediction]):
    class Meta:
        model = Prediction

    customer = factory.SubFactory(CustomerFactory)
    as_of = factory.LazyFunction(timezone.localdate)
    churn_probability = 0.72
    risk_category = RiskCategory.HIGH
    reasons = factory.LazyFunction(
        lambda: [
            {
                "feature": "days_since_last_booking",
                "value": 120,
                "contribution": 0.31,
                "text_en": "No booking for 120 days",
                "text_bn": "১২০ দিন কোনো বুকিং নেই",
            },
            {
                "feature": "complaints_90d",
                "value": 2,
                "contribution": 0.12,
                "text_en": "2 complaints in the last 90 days",
                "text_bn": "গত ৯০ দিনে ২টি অভিযোগ",
            },
        ]
    )
    ltv = Decimal("18000.00")
    ltv_low = Decimal("12000.00")
    ltv_high = Decimal("24000.00")
    ltv_low_if_retained = Decimal("9000.00")
    model_version = "churn-test-1"


class ModelPerformanceFactory(factory.django.DjangoModelFactory[ModelPerformance]):
    class Meta:
        model = ModelPerformance

    model_kind = ModelKind.CHURN
    model_version = factory.Sequence(lambda n: f"churn-test-{n}")
    as_of = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=1))
    n_train = 8000
    n_holdout = 2000
    metrics = factory.LazyFunction(
        lambda: {
            "model": {"auc_roc": 0.84, "precision_at_10": 0.61},
            "baselines": {"recency": {"auc_roc": 0.71}, "bg_nbd": {"auc_roc": 0.76}},
            "class_balance": 0.23,
        }
    )


class OutsiderCustomerFactory(CustomerFactory):
    """A customer added beside the generated marketplace, whose C… ids the plain factory would collide with."""

    external_id = factory.Sequence(lambda n: f"T{n:07d}")


class OutsiderProviderFactory(ProviderFactory):
    external_id = factory.Sequence(lambda n: f"TP{n:06d}")


class OutsiderBookingFactory(BookingFactory):
    external_id = factory.Sequence(lambda n: f"TB{n:09d}")
    customer = factory.SubFactory(OutsiderCustomerFactory)
    provider = factory.SubFactory(OutsiderProviderFactory)
