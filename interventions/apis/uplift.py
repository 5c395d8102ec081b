"""What worked: uplift per action and segment, and the ROI measured against the control group."""

from drf_spectacular.utils import (
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsStaff
from interventions.models import InterventionSettings
from interventions.services.outcomes import (
    UPLIFT_CONFIG,
    judged_counts,
    roi_measured,
    uplift_estimates,
    uplift_model_ready,
)


class UpliftEstimateSerializer(serializers.Serializer):
    action = serializers.CharField()
    segment = serializers.CharField(help_text="Empty for the action across all segments.")
    proposed = serializers.IntegerField(help_text="Proposals outside the control group with a known outcome.")
    sent = serializers.IntegerField(help_text="Of those, the ones staff approved and sent.")
    control = serializers.IntegerField(help_text="Held-out customers with a known outcome.")
    retention_proposed = serializers.FloatField()
    retention_control = serializers.FloatField()
    share_sent = serializers.FloatField()
    measured_uplift = serializers.FloatField(
        help_text="The effect of sending: (retention_proposed − retention_control) ÷ share_sent."
    )
    prior = serializers.FloatField()
    weight = serializers.FloatField(help_text="How much the measurement counts against the prior (0 to 1).")
    uplift = serializers.FloatField(help_text="What the engine uses: the measured uplift shrunk towards the prior.")


class MeasuredRoiSerializer(serializers.Serializer):
    action = serializers.CharField()
    proposed = serializers.IntegerField()
    sent = serializers.IntegerField()
    control = serializers.IntegerField()
    measured_uplift = serializers.FloatField(help_text="The effect of sending, not shrunk.")
    customers_won = serializers.FloatField(help_text="(Retention proposed − control) × proposals.")
    value_recovered = serializers.FloatField(help_text="Customers won × mean value if retained × margin rate (Tk).")
    value_per_customer = serializers.FloatField(
        help_text="One customer won: the sent ones' mean value if retained × margin rate (Tk)."
    )
    discounts_redeemed = serializers.FloatField(help_text="Tk given away on redeemed codes.")
    contact_cost = serializers.FloatField(help_text="Messages and calls sent (Tk).")
    net_benefit = serializers.FloatField()
    roi = serializers.FloatField(allow_null=True, help_text="Net benefit ÷ cost; null when nothing was spent.")
    expected_roi = serializers.FloatField(help_text="The mean ROI the engine expected for the ones sent.")


class InterventionUpliftApi(APIView):
    """What worked: retention of proposed against held-out customers, per action and per action and segment."""

    permission_classes = [IsStaff]

    @extend_schema_serializer(component_name="InterventionUplift")
    class OutputSerializer(serializers.Serializer):
        estimates = UpliftEstimateSerializer(many=True)
        roi = MeasuredRoiSerializer(many=True, help_text="Per action: the return measured against the control group.")
        outcomes_proposed = serializers.IntegerField()
        outcomes_control = serializers.IntegerField()
        uplift_model_from = serializers.IntegerField(
            help_text="Outcomes needed in each arm before proposals use each customer's own uplift."
        )
        uplift_model_active = serializers.BooleanField(
            help_text="Switched on in the settings and enough outcomes: proposals use each customer's own uplift."
        )

    @extend_schema(
        operation_id="interventions_uplift",
        summary="What worked: uplift per action and segment, and the ROI measured against the control group",
        description=(
            "Retention of customers proposed an intervention (sent, refused or expired: the control group is drawn "
            "among proposals, before staff decide) against the randomly held-out control group, per action and per "
            "action and segment; the effect of sending is that difference divided by the share sent. With the "
            "estimate the engine uses (shrunk towards the prior until a few hundred outcomes make the measurement "
            "trustworthy) and the ROI measured per action. Staff and analysts."
        ),
        responses=OutputSerializer,
    )
    def get(self, request: Request) -> Response:
        counts = judged_counts()
        estimates = sorted(uplift_estimates(), key=lambda item: (item.action, item.segment))
        return Response(
            {
                "estimates": UpliftEstimateSerializer(estimates, many=True).data,
                "roi": MeasuredRoiSerializer(roi_measured(), many=True).data,
                "outcomes_proposed": counts["proposed"],
                "outcomes_control": counts["control"],
                "uplift_model_from": UPLIFT_CONFIG.min_per_arm,
                "uplift_model_active": InterventionSettings.load().uplift_per_customer
                and uplift_model_ready(counts=counts),
            }
        )
