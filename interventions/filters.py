"""Filters of the approval queue and the intervention history."""

import django_filters

from customers.models import City, Segment
from interventions.models import Intervention, InterventionAction, InterventionOutcome, InterventionStatus
from predictions.models import RiskCategory
from sheba_retention.common.filters import IsoDateTimeFilter


class PendingInterventionFilter(django_filters.FilterSet):
    action = django_filters.MultipleChoiceFilter(choices=InterventionAction.choices)
    segment = django_filters.MultipleChoiceFilter(field_name="prediction__segment", choices=Segment.Key.choices)
    risk = django_filters.MultipleChoiceFilter(field_name="prediction__risk_category", choices=RiskCategory.choices)
    min_roi = django_filters.NumberFilter(field_name="expected_roi", lookup_expr="gte")
    city = django_filters.ChoiceFilter(field_name="customer__city", choices=City.choices)

    class Meta:
        model = Intervention
        fields: list[str] = []


class InterventionHistoryFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=InterventionStatus.choices)
    action = django_filters.MultipleChoiceFilter(choices=InterventionAction.choices)
    outcome = django_filters.MultipleChoiceFilter(choices=InterventionOutcome.choices)
    customer = django_filters.CharFilter(field_name="customer__external_id", label="Customer id")
    decided_by = django_filters.CharFilter(field_name="decided_by__username", label="Username of the decider")
    created_after = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Intervention
        fields: list[str] = []
