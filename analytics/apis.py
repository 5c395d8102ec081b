"""Analytics API: retention and cohorts, A/B results and ROI, segment and tier movement, revenue recovered; staff
and analysts only. Every filter is a query parameter; the reports are cached until the next nightly run."""

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsStaff
from analytics.selectors import AnalyticsFilters, retention_report, revenue_report, roi_report, segments_report
from customers.models import City, Segment
from interventions.apis.uplift import MeasuredRoiSerializer
from interventions.models import InterventionAction


def rate_field() -> serializers.FloatField:
    return serializers.FloatField(
        allow_null=True, help_text="Null where there is no one to count (a zero denominator)."
    )


class FilterInputSerializer(serializers.Serializer):
    start = serializers.DateField(required=False, help_text="First day of the period (default: a year before end).")
    end = serializers.DateField(required=False, help_text="Last day of the period (default: the last booking's day).")
    segment = serializers.ChoiceField(choices=Segment.Key.choices, required=False)
    city = serializers.ChoiceField(choices=City.choices, required=False)
    area = serializers.CharField(max_length=60, required=False)

    def validate(self, attrs: dict) -> dict:
        # Every report walks the period month by month: a period of centuries would keep a worker busy for minutes.
        earliest, latest = settings.IMPORT_EARLIEST_DATE, timezone.localdate() + dt.timedelta(days=366)
        for name in ("start", "end"):
            day = attrs.get(name)
            if day is not None and not earliest <= day <= latest:
                raise serializers.ValidationError(
                    {
                        name: _("%(day)s is outside the dates the data can hold (%(earliest)s to %(latest)s).")
                        % {"day": day, "earliest": earliest, "latest": latest}
                    }
                )
        if attrs.get("start") and attrs.get("end") and attrs["start"] > attrs["end"]:
            raise serializers.ValidationError({"end": _("The period ends before it starts.")})
        return attrs


class ActionFilterInputSerializer(FilterInputSerializer):
    action = serializers.ChoiceField(choices=InterventionAction.choices, required=False)


def filters_of(request: Request, serializer_class: type[FilterInputSerializer]) -> AnalyticsFilters:
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return AnalyticsFilters(**serializer.validated_data)


class PeriodSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()


class MonthRetentionSerializer(serializers.Serializer):
    month = serializers.DateField(help_text="The first day of the month.")
    active = serializers.IntegerField(help_text="Customers with a completed booking in the month.")
    retained = serializers.IntegerField(help_text="Of those, customers with one in the next month too.")
    rate = rate_field()


class CohortSerializer(serializers.Serializer):
    month = serializers.DateField(help_text="The signup month.")
    size = serializers.IntegerField()
    retention = serializers.ListField(
        child=serializers.FloatField(allow_null=True),
        help_text="Share active 0, 1, 2… months after signup; null for months not reached yet or an empty cohort.",
    )


class CohortRetentionSerializer(serializers.Serializer):
    cohorts = CohortSerializer(many=True)
    curve = serializers.ListField(
        child=serializers.FloatField(allow_null=True),
        help_text="Per month since signup: customers active ÷ customers of the cohorts that have reached it.",
    )
    observed = serializers.ListField(
        child=serializers.IntegerField(), help_text="Per month since signup: the customers the curve's share is of."
    )


class AnalyticsRetentionApi(APIView):
    permission_classes = [IsStaff]

    class InputSerializer(FilterInputSerializer):
        pass

    class OutputSerializer(serializers.Serializer):
        period = PeriodSerializer()
        months = MonthRetentionSerializer(many=True, help_text="The period's last month has no next one to count.")
        cohorts = CohortRetentionSerializer()

    @extend_schema(
        operation_id="analytics_retention",
        summary="Retention month to month, and by monthly signup cohort",
        description=(
            "Of the customers active (a completed booking) in each month, the share active in the next; and each "
            "monthly signup cohort × months since signup, with the curve over all cohorts. Staff and analysts."
        ),
        parameters=[InputSerializer],
        responses=OutputSerializer,
    )
    def get(self, request: Request) -> Response:
        return Response(self.OutputSerializer(retention_report(filters_of(request, self.InputSerializer))).data)


class ProportionTestSerializer(serializers.Serializer):
    treated = serializers.IntegerField(help_text="Proposals outside the control group (sent, refused or expired).")
    treated_retained = serializers.IntegerField()
    control = serializers.IntegerField(help_text="Held out at random.")
    control_retained = serializers.IntegerField()
    retention_treated = rate_field()
    retention_control = rate_field()
    difference = serializers.FloatField(allow_null=True, help_text="Retention treated − control (intent to treat).")
    low = serializers.FloatField(allow_null=True, help_text="95% interval of the difference (Wald).")
    high = serializers.FloatField(allow_null=True)
    p_value = serializers.FloatField(allow_null=True, help_text="Two-proportion z-test, two-sided.")
    too_small = serializers.BooleanField(help_text="Too few customers for the test to say anything: not enough data.")


class AbResultSerializer(serializers.Serializer):
    action = serializers.CharField()
    segment = serializers.CharField(help_text="Empty for the action across all segments.")
    sent = serializers.IntegerField()
    share_sent = serializers.FloatField(allow_null=True)
    test = ProportionTestSerializer()
    effect_of_sending = serializers.FloatField(
        allow_null=True,
        help_text="The difference ÷ the share sent, as the engine measures it; null when too little was sent.",
    )
    effect_low = serializers.FloatField(allow_null=True)
    effect_high = serializers.FloatField(allow_null=True)


class SegmentRoiSerializer(serializers.Serializer):
    segment = serializers.CharField(help_text="Empty for the action across all segments.")
    roi = MeasuredRoiSerializer()
    test = ProportionTestSerializer(help_text="The retention difference the return rests on.")
    net_low = serializers.FloatField(
        allow_null=True, help_text="95% interval of the net benefit (Tk): the difference's, carried over."
    )
    net_high = serializers.FloatField(allow_null=True)
    roi_low = serializers.FloatField(allow_null=True, help_text="95% interval of the ROI; null when nothing was spent.")
    roi_high = serializers.FloatField(allow_null=True)
    too_little_sent = serializers.BooleanField(
        help_text="Sent to under a fifth of those proposed: the difference can hardly be the action's doing."
    )


class AnalyticsRoiApi(APIView):
    permission_classes = [IsStaff]

    class InputSerializer(ActionFilterInputSerializer):
        pass

    class OutputSerializer(serializers.Serializer):
        period = PeriodSerializer()
        ab = AbResultSerializer(many=True, help_text="Per action, then per action and segment.")
        roi = SegmentRoiSerializer(many=True, help_text="Per action across segments, then within each segment.")

    @extend_schema(
        operation_id="analytics_roi",
        summary="A/B results against the control group and the return of each action, per segment",
        description=(
            "Proposals made in the period whose outcome is known: retention of the proposed (sent, refused or "
            "expired) against the randomly held-out, the difference with its 95% interval and p-value, the effect "
            "of sending, and the return measured against the control group. Staff and analysts."
        ),
        parameters=[InputSerializer],
        responses=OutputSerializer,
    )
    def get(self, request: Request) -> Response:
        return Response(self.OutputSerializer(roi_report(filters_of(request, self.InputSerializer))).data)


class RevenueRecoveredSerializer(serializers.Serializer):
    action = serializers.CharField(help_text="Empty for all actions together.")
    proposed = serializers.IntegerField()
    retained = serializers.IntegerField()
    control = serializers.IntegerField()
    retention_control = rate_field()
    expected_retained = serializers.FloatField(allow_null=True, help_text="Proposed × the control group's retention.")
    spend_retained = serializers.FloatField(help_text="Tk the retained proposed customers spent in the window.")
    recovered = serializers.FloatField(
        allow_null=True, help_text="(Retained − expected retained) × their mean spend (Tk); null without a control."
    )
    low = serializers.FloatField(allow_null=True, help_text="95% interval of what was recovered (Tk).")
    high = serializers.FloatField(allow_null=True)
    too_small = serializers.BooleanField()
    too_little_sent = serializers.BooleanField(
        help_text="Sent to under a fifth of those proposed (for all actions: some action was): not the actions' doing."
    )


class AnalyticsRevenueApi(APIView):
    permission_classes = [IsStaff]

    class InputSerializer(ActionFilterInputSerializer):
        pass

    class OutputSerializer(serializers.Serializer):
        period = PeriodSerializer()
        window_days = serializers.IntegerField(help_text="The churn window each proposal's spend is counted over.")
        by_action = RevenueRecoveredSerializer(many=True, help_text="Per action, then all actions together.")

    @extend_schema(
        operation_id="analytics_revenue",
        summary="Revenue recovered: what retained customers spent above what the control group predicts",
        description=(
            "Per action, what the proposed customers who stayed spent in the churn window after the proposal, "
            "beyond the customers the control group's retention says would have stayed anyway, with its 95% "
            "interval; then all actions together. Staff and analysts."
        ),
        parameters=[InputSerializer],
        responses=OutputSerializer,
    )
    def get(self, request: Request) -> Response:
        return Response(self.OutputSerializer(revenue_report(filters_of(request, self.InputSerializer))).data)


class DistributionSerializer(serializers.Serializer):
    day = serializers.DateField()
    total = serializers.IntegerField()
    counts = serializers.DictField(child=serializers.IntegerField(), help_text="State → customers.")
    shares = serializers.DictField(child=serializers.FloatField(allow_null=True), help_text="State → share of total.")


class MovementSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    moved = serializers.IntegerField(help_text="Customers in another state on end than on start (a first one too).")
    flows = serializers.DictField(
        child=serializers.DictField(child=serializers.IntegerField()),
        help_text='From state → to state → customers; "" for no state yet.',
    )


class StatesSerializer(serializers.Serializer):
    distribution = DistributionSerializer(many=True, help_text="On the last day of each month.")
    movement = MovementSerializer(many=True, help_text="From each month's last day to the next's.")


class AnalyticsSegmentsApi(APIView):
    permission_classes = [IsStaff]

    class InputSerializer(FilterInputSerializer):
        pass

    class OutputSerializer(serializers.Serializer):
        period = PeriodSerializer()
        segments = StatesSerializer()
        tiers = StatesSerializer(help_text="Loyalty tiers.")

    @extend_schema(
        operation_id="analytics_segments",
        summary="Segment and loyalty tier distribution over time, and movement month to month",
        description="Customers per segment and per tier at each month's end, and who moved where. Staff and analysts.",
        parameters=[InputSerializer],
        responses=OutputSerializer,
    )
    def get(self, request: Request) -> Response:
        return Response(self.OutputSerializer(segments_report(filters_of(request, self.InputSerializer))).data)
