"""Filters of the prediction lists."""

import django_filters

from customers.models import City, Segment
from predictions.models import ModelKind, ModelPerformance, Prediction, RiskCategory


class AtRiskFilter(django_filters.FilterSet):
    risk = django_filters.MultipleChoiceFilter(field_name="risk_category", choices=RiskCategory.choices)
    segment = django_filters.MultipleChoiceFilter(choices=Segment.Key.choices)
    city = django_filters.ChoiceFilter(field_name="customer__city", choices=City.choices)
    area = django_filters.CharFilter(field_name="customer__area", lookup_expr="iexact")
    min_probability = django_filters.NumberFilter(field_name="churn_probability", lookup_expr="gte")
    loyalty_tier = django_filters.CharFilter()

    class Meta:
        model = Prediction
        fields: list[str] = []


class ModelPerformanceFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(
        field_name="model_kind",
        choices=ModelKind.choices,
        error_messages={"invalid_choice": f"'%(value)s' is not one of {', '.join(ModelKind.values)}"},
    )

    class Meta:
        model = ModelPerformance
        fields: list[str] = []
