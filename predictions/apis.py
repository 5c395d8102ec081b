"""Prediction API: real-time churn score, the at-risk list, the dashboard, retraining and model performance; and
the endpoints over one customer that compose customers, loyalty and predictions (their profile, their loyalty).
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import CanRetrainModels, IsStaff
from customers.apis import CustomerListApi
from customers.selectors import customers_visible_to
from loyalty.models import CustomerLoyalty, LoyaltyTier
from predictions.filters import AtRiskFilter, ModelPerformanceFilter
from predictions.models import ModelPerformance, Prediction, served_name
from predictions.read_models import customer_loyalty, customer_profile
from predictions.selectors import at_risk_list, dashboard_summary
from predictions.services.realtime import NoHistory, churn_predict
from predictions.services.registry import ActiveModelUnloadable, NoActiveModel
from sheba_retention.common.api.errors import ErrorSerializer
from sheba_retention.common.api.lists import ListApi
from sheba_retention.common.tasks import task_enqueue


class ModelUnavailable(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "model_unavailable"


class UnprocessableCustomer(APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "no_history"


class ReasonSerializer(serializers.Serializer):
    feature = serializers.CharField()
    value = serializers.FloatField()
    contribution = serializers.FloatField(help_text="Signed: positive raises the churn risk.")
    text_en = serializers.CharField()
    text_bn = serializers.CharField()


class ChurnPredictApi(APIView):
    class InputSerializer(serializers.Serializer):
        customer_id = serializers.CharField(max_length=64, help_text="The customer's external id.")

    class OutputSerializer(serializers.Serializer):
        customer_id = serializers.CharField(source="customer.external_id")
        as_of = serializers.DateField()
        churn_probability = serializers.FloatField()
        risk_category = serializers.CharField()
        reasons = ReasonSerializer(many=True)
        model_version = serializers.CharField()

    @extend_schema(
        request=InputSerializer,
        responses={
            200: OutputSerializer,
            404: OpenApiResponse(ErrorSerializer, description="No such customer, or not one the caller may see."),
            422: OpenApiResponse(ErrorSerializer, description="no_history: the customer has no booking to score."),
            503: OpenApiResponse(
                ErrorSerializer,
                description="model_unavailable: no churn model is active, or its artifact cannot be loaded.",
            ),
        },
        operation_id="predict_churn",
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        customer = get_object_or_404(
            customers_visible_to(viewer=request.user), external_id=serializer.validated_data["customer_id"]
        )
        try:
            prediction = churn_predict(customer=customer)
        except (NoActiveModel, ActiveModelUnloadable) as exc:
            raise ModelUnavailable(str(exc)) from exc
        except NoHistory as exc:
            raise UnprocessableCustomer(str(exc)) from exc
        return Response(self.OutputSerializer(prediction).data)


class PredictionOutputSerializer(serializers.ModelSerializer):
    customer_id = serializers.CharField(source="customer.external_id")
    name = serializers.CharField(source="customer.name")
    city = serializers.CharField(source="customer.city")
    area = serializers.CharField(source="customer.area")
    reasons = ReasonSerializer(many=True)

    class Meta:
        model = Prediction
        fields = [
            "customer_id",
            "name",
            "city",
            "area",
            "as_of",
            "churn_probability",
            "risk_category",
            "segment",
            "loyalty_tier",
            "ltv",
            "ltv_low",
            "ltv_high",
            "ltv_low_if_retained",
            "reasons",
            "model_version",
        ]


class AtRiskListApi(ListApi):
    permission_classes = [IsStaff]
    filterset_class = AtRiskFilter

    @extend_schema(responses=PredictionOutputSerializer, operation_id="predictions_at_risk")
    def get(self, request: Request) -> Response:
        return self.paginated(self.filtered(at_risk_list()), serializer_class=PredictionOutputSerializer)


class DashboardApi(APIView):
    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="predictions_dashboard",
        responses=inline_serializer(
            "Dashboard",
            {
                "as_of": serializers.DateField(allow_null=True),
                "customers": serializers.IntegerField(),
                "at_risk": serializers.IntegerField(),
                "at_risk_rate": serializers.FloatField(),
                "high_risk_threshold": serializers.FloatField(),
                "mean_churn_probability": serializers.FloatField(),
                "ltv_total": serializers.DecimalField(max_digits=16, decimal_places=2),
                "ltv_at_risk": serializers.DecimalField(max_digits=16, decimal_places=2),
                "by_risk": serializers.DictField(child=serializers.IntegerField()),
                "by_segment": serializers.DictField(child=serializers.IntegerField()),
                "by_tier": serializers.DictField(child=serializers.IntegerField()),
                "model_version": serializers.CharField(),
            },
        ),
    )
    def get(self, request: Request) -> Response:
        summary = dashboard_summary()
        summary["ltv_total"] = f"{summary['ltv_total']:.2f}"
        summary["ltv_at_risk"] = f"{summary['ltv_at_risk']:.2f}"
        return Response(summary)


class RetrainApi(APIView):
    permission_classes = [CanRetrainModels]

    @extend_schema(
        request=None,
        operation_id="admin_retrain",
        responses={
            202: inline_serializer("RetrainQueued", {"status": serializers.CharField()}),
            503: OpenApiResponse(ErrorSerializer, description="The task queue is unreachable: nothing was queued."),
        },
    )
    def post(self, request: Request) -> Response:
        from predictions.tasks import train_models_task

        task_enqueue(train_models_task)  # BrokerUnavailable answers 503 (sheba_retention.common.api.errors)
        return Response({"status": "queued"}, status=status.HTTP_202_ACCEPTED)


class ModelPerformanceListApi(ListApi):
    permission_classes = [IsStaff]
    filterset_class = ModelPerformanceFilter

    class OutputSerializer(serializers.ModelSerializer):
        served = serializers.SerializerMethodField(
            help_text="What this run serves: model, blend, or a classical model's name (empty for segmentation)."
        )
        served_name = serializers.SerializerMethodField(help_text="The same in words.")
        fallback = serializers.SerializerMethodField(
            help_text="True when the history was too short to validate our model and a classical model is served."
        )
        reason = serializers.SerializerMethodField(help_text="Why this is served, with the figures compared.")

        class Meta:
            model = ModelPerformance
            fields = [
                "model_kind",
                "model_version",
                "as_of",
                "trained_at",
                "n_train",
                "n_holdout",
                "served",
                "served_name",
                "fallback",
                "reason",
                "metrics",
            ]

        def get_served(self, obj: ModelPerformance) -> str:
            return obj.served

        def get_served_name(self, obj: ModelPerformance) -> str:
            return served_name(obj.served) if obj.served else ""

        def get_fallback(self, obj: ModelPerformance) -> bool:
            return obj.is_fallback

        def get_reason(self, obj: ModelPerformance) -> str:
            return obj.decision_reason

    @extend_schema(responses=OutputSerializer, operation_id="admin_model_performance")
    def get(self, request: Request) -> Response:
        queryset = self.filtered(ModelPerformance.objects.order_by("-trained_at", "pk"))
        return self.paginated(queryset, serializer_class=self.OutputSerializer)


class CustomerDetailApi(APIView):
    class OutputSerializer(CustomerListApi.OutputSerializer):
        class LatestPredictionSerializer(serializers.Serializer):
            as_of = serializers.DateField()
            churn_probability = serializers.FloatField()
            risk_category = serializers.CharField()
            reasons = ReasonSerializer(many=True)
            ltv = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
            ltv_low = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
            ltv_high = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
            ltv_low_if_retained = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
            model_version = serializers.CharField()

        prediction = LatestPredictionSerializer(
            allow_null=True, help_text="The latest nightly score, if any; staff only (null for the customer)."
        )
        segment = serializers.CharField(allow_blank=True, help_text="Staff only (empty for the customer).")
        loyalty_tier = serializers.CharField(allow_blank=True)

        class Meta(CustomerListApi.OutputSerializer.Meta):
            fields = [*CustomerListApi.OutputSerializer.Meta.fields, "prediction", "segment", "loyalty_tier"]

    @extend_schema(operation_id="customers_retrieve", responses=OutputSerializer)
    def get(self, request: Request, customer_id: str) -> Response:
        customer = get_object_or_404(customers_visible_to(viewer=request.user), external_id=customer_id)
        profile = customer_profile(viewer=request.user, customer=customer)
        customer.prediction, customer.segment, customer.loyalty_tier = (
            profile.prediction,
            profile.segment,
            profile.loyalty_tier,
        )
        return Response(self.OutputSerializer(customer).data)


class TierSerializer(serializers.ModelSerializer):
    benefits = serializers.SerializerMethodField()
    benefits_bn = serializers.SerializerMethodField()

    class Meta:
        model = LoyaltyTier
        fields = [
            "name",
            "name_bn",
            "rank",
            "discount_percent",
            "benefits",
            "benefits_bn",
            "min_ltv",
            "min_bookings_per_year",
            "min_tenure_days",
            "min_active_months",
        ]

    def get_benefits(self, tier: LoyaltyTier) -> list[str]:
        return [line for line in tier.benefits.splitlines() if line.strip()]

    def get_benefits_bn(self, tier: LoyaltyTier) -> list[str]:
        return [line for line in tier.benefits_bn.splitlines() if line.strip()]


class CustomerLoyaltyApi(APIView):
    class OutputSerializer(serializers.Serializer):
        class HistorySerializer(serializers.ModelSerializer):
            tier = serializers.CharField(source="tier.name")

            class Meta:
                model = CustomerLoyalty
                fields = ["tier", "valid_from", "valid_to", "reason"]

        customer_id = serializers.CharField()
        tier = TierSerializer(allow_null=True)
        since = serializers.DateField(allow_null=True)
        reason = serializers.CharField()
        standing = serializers.DictField(child=serializers.FloatField())
        next_tier = TierSerializer(allow_null=True)
        next_tier_gaps = serializers.DictField(child=serializers.FloatField())
        history = HistorySerializer(many=True)

    @extend_schema(responses=OutputSerializer, operation_id="customer_loyalty")
    def get(self, request: Request, customer_id: str) -> Response:
        customer = get_object_or_404(customers_visible_to(viewer=request.user), external_id=customer_id)
        return Response(self.OutputSerializer(customer_loyalty(customer=customer)).data)
