"""Prediction API: real-time churn score, the at-risk list, the dashboard, retraining and model performance."""

from django.db import transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from customers.selectors import customer_list
from predictions.filters import AtRiskFilter
from predictions.models import ModelKind, ModelPerformance, Prediction
from predictions.selectors import at_risk_list, dashboard_summary
from predictions.services.realtime import NoHistory, churn_predict
from predictions.services.registry import NoActiveModel
from sheba_retention.common.api.lists import filtered, paginated_response
from sheba_retention.common.api.pagination import PagePagination
from sheba_retention.common.api.permissions import CanRetrainModels, IsStaff


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

    @extend_schema(request=InputSerializer, responses=OutputSerializer, operation_id="predict_churn")
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        customer = get_object_or_404(
            customer_list(user=request.user), external_id=serializer.validated_data["customer_id"]
        )
        try:
            prediction = churn_predict(customer=customer)
        except NoActiveModel as exc:
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


class AtRiskListApi(APIView):
    permission_classes = [IsStaff]

    @extend_schema(responses=PredictionOutputSerializer(many=True), filters=True, operation_id="predictions_at_risk")
    def get(self, request: Request) -> Response:
        queryset = filtered(queryset=at_risk_list(), filterset_class=AtRiskFilter, request=request)
        return paginated_response(
            pagination_class=PagePagination,
            serializer_class=PredictionOutputSerializer,
            queryset=queryset,
            request=request,
            view=self,
        )


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
        responses={202: inline_serializer("RetrainQueued", {"status": serializers.CharField()})},
    )
    def post(self, request: Request) -> Response:
        from predictions.tasks import train_models_task

        transaction.on_commit(lambda: train_models_task.delay())
        return Response({"status": "queued"}, status=status.HTTP_202_ACCEPTED)


class ModelPerformanceListApi(APIView):
    permission_classes = [IsStaff]

    class OutputSerializer(serializers.ModelSerializer):
        class Meta:
            model = ModelPerformance
            fields = ["model_kind", "model_version", "as_of", "trained_at", "n_train", "n_holdout", "metrics"]

    @extend_schema(responses=OutputSerializer(many=True), operation_id="admin_model_performance")
    def get(self, request: Request) -> Response:
        queryset = ModelPerformance.objects.order_by("-trained_at", "pk")
        kind = request.query_params.get("kind")
        if kind:
            if kind not in ModelKind.values:
                raise ValidationError({"kind": [f"'{kind}' is not one of {', '.join(ModelKind.values)}"]})
            queryset = queryset.filter(model_kind=kind)
        return paginated_response(
            pagination_class=PagePagination,
            serializer_class=self.OutputSerializer,
            queryset=queryset,
            request=request,
            view=self,
        )
