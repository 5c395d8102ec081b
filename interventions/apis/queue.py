"""The approval queue: the pending proposals, approving or rejecting them (one or many)."""

from collections.abc import Callable

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import CanDecideInterventions, IsStaff
from interventions.apis.common import not_found, refusal
from interventions.filters import PendingInterventionFilter
from interventions.models import Intervention, InterventionSettings
from interventions.selectors import intervention_pending_list
from interventions.services.queue import (
    discount_cap,
    intervention_approve,
    intervention_reject,
    interventions_decide,
)
from sheba_retention.common.api.errors import ErrorSerializer
from sheba_retention.common.api.lists import ListApi

MAX_BULK = 100


class InterventionReasonSerializer(serializers.Serializer):
    feature = serializers.CharField()
    text_en = serializers.CharField()
    text_bn = serializers.CharField()


class DecisionOutputSerializer(serializers.ModelSerializer):
    decided_by = serializers.CharField(source="decided_by.username", default=None, allow_null=True)

    class Meta:
        model = Intervention
        fields = ["id", "status", "decided_by", "decided_at", "discount_amount"]


def _decide_many(*, ids: list[int], decide: Callable[[int], Intervention]) -> tuple[list[dict], dict[str, str]]:
    result = interventions_decide(intervention_ids=ids, decide=decide)
    decided = [DecisionOutputSerializer(intervention).data for intervention in result.decided]
    return decided, {str(pk): reason for pk, reason in result.refused.items()}


def _decision_responses(name: str, key: str) -> dict:
    """The responses of approve and reject: the intervention, or with intervention_ids the per-id results."""
    return {
        200: OpenApiResponse(
            PolymorphicProxySerializer(
                component_name=f"Intervention{name}Result",
                serializers=[DecisionOutputSerializer, _bulk_schema(f"InterventionBulk{name}Result", key)],
                resource_type_field_name=None,
            ),
            description="The intervention, or with intervention_ids the per-id results",
        ),
        404: OpenApiResponse(ErrorSerializer, description="No such intervention (a single intervention_id)."),
        409: OpenApiResponse(ErrorSerializer, description="invalid_state: the intervention is not pending."),
    }


class DecisionInputSerializer(serializers.Serializer):
    intervention_id = serializers.IntegerField(min_value=1, required=False)
    intervention_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        min_length=1,
        max_length=MAX_BULK,
        required=False,
        help_text=f"Bulk: up to {MAX_BULK} ids instead of intervention_id; answered with per-id results.",
    )

    def validate(self, attrs: dict) -> dict:
        if ("intervention_id" in attrs) == ("intervention_ids" in attrs):
            raise serializers.ValidationError("Give either intervention_id or intervention_ids.")
        return attrs


class InterventionPendingListApi(ListApi):
    permission_classes = [IsStaff]
    filterset_class = PendingInterventionFilter

    @extend_schema_serializer(component_name="PendingIntervention")
    class OutputSerializer(serializers.ModelSerializer):
        customer_id = serializers.CharField(source="customer.external_id")
        name = serializers.CharField(source="customer.name")
        city = serializers.CharField(source="customer.city")
        area = serializers.CharField(source="customer.area")
        risk_category = serializers.CharField(source="prediction.risk_category", default=None, allow_null=True)
        segment = serializers.CharField(source="prediction.segment", default=None, allow_null=True)
        reason = serializers.SerializerMethodField(help_text="The churn reason this proposal answers.")
        service = serializers.CharField(source="service.slug", default=None, allow_null=True)
        service_name = serializers.CharField(source="service.name", default=None, allow_null=True)
        max_discount_amount = serializers.SerializerMethodField(
            help_text="The largest discount (Tk) an approver may set for this customer."
        )

        class Meta:
            model = Intervention
            fields = [
                "id",
                "customer_id",
                "name",
                "city",
                "area",
                "churn_probability",
                "risk_category",
                "segment",
                "addresses_reason",
                "reason",
                "action",
                "service",
                "service_name",
                "discount_amount",
                "discount_percent",
                "max_discount_amount",
                "expected_retention_uplift",
                "uplift_source",
                "expected_cost",
                "expected_net_benefit",
                "expected_roi",
                "risk_adjusted_roi",
                "message_en",
                "message_bn",
                "created_at",
            ]

        @extend_schema_field(InterventionReasonSerializer(allow_null=True))
        def get_reason(self, obj: Intervention) -> dict | None:
            if not obj.addresses_reason:
                return None
            found = obj.answered_reason
            return {
                "feature": obj.addresses_reason,
                "text_en": found.get("text_en", ""),
                "text_bn": found.get("text_bn", ""),
            }

        def get_max_discount_amount(self, obj: Intervention) -> str:
            return f"{discount_cap(obj, self.context['settings']):.2f}"

    @extend_schema(
        operation_id="interventions_pending",
        summary="Proposals awaiting a decision",
        description="Proposed interventions, the best expected net benefit first. Staff only.",
        responses=OutputSerializer,
    )
    def get(self, request: Request) -> Response:
        return self.paginated(
            self.filtered(intervention_pending_list()),
            serializer_class=self.OutputSerializer,
            context={"settings": InterventionSettings.load()},
        )


def _bulk_schema(name: str, done_key: str):
    return inline_serializer(
        name,
        {
            done_key: DecisionOutputSerializer(many=True),
            "errors": serializers.DictField(
                child=serializers.CharField(), help_text="Per intervention id left unchanged: the reason."
            ),
        },
    )


class InterventionApproveApi(APIView):
    permission_classes = [CanDecideInterventions]

    @extend_schema_serializer(component_name="InterventionApprove")
    class InputSerializer(DecisionInputSerializer):
        discount_amount = serializers.DecimalField(
            max_digits=10,
            decimal_places=2,
            min_value=0,
            required=False,
            allow_null=True,
            help_text="A different discount (Tk) within the caps; only with a single intervention_id.",
        )

        def validate(self, attrs: dict) -> dict:
            attrs = super().validate(attrs)
            if "intervention_ids" in attrs and attrs.get("discount_amount") is not None:
                raise serializers.ValidationError("A discount can be changed only when approving one intervention.")
            return attrs

    @extend_schema(
        operation_id="interventions_approve",
        summary="Approve a proposal (or several) and queue it for sending",
        description=(
            "Approves a proposed intervention, optionally with a different discount within the caps, and queues the "
            "message once the approval is committed. Refusals: 404 unknown id, 409 invalid_state (not pending, e.g. "
            "approved already), 400 discount_above_cap. With intervention_ids, each id is approved on its own and "
            "the answer is 200 with the approved ones and the reason for each other id."
        ),
        request=InputSerializer,
        responses=_decision_responses("Approve", "approved"),
        examples=[
            OpenApiExample("Approve", request_only=True, value={"intervention_id": 42, "discount_amount": "300.00"}),
            OpenApiExample("Bulk approve", request_only=True, value={"intervention_ids": [42, 43, 44]}),
            OpenApiExample(
                "Bulk result",
                response_only=True,
                value={
                    "approved": [
                        {
                            "id": 42,
                            "status": "approved",
                            "decided_by": "rahim",
                            "decided_at": "2026-11-01T10:00:00+06:00",
                            "discount_amount": "300.00",
                        }
                    ],
                    "errors": {"43": "intervention 43 is rejected; only a proposed one can become approved"},
                },
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if "intervention_ids" in data:
            approved, errors = _decide_many(
                ids=data["intervention_ids"],
                decide=lambda pk: intervention_approve(intervention_id=pk, user=request.user),
            )
            return Response({"approved": approved, "errors": errors})
        try:
            intervention = intervention_approve(
                intervention_id=data["intervention_id"],
                user=request.user,
                discount_amount=data.get("discount_amount"),
            )
        except Intervention.DoesNotExist as exc:
            raise not_found(data["intervention_id"]) from exc
        except DjangoValidationError as exc:
            raise refusal(exc) from exc
        return Response(DecisionOutputSerializer(intervention).data)


class InterventionRejectApi(APIView):
    permission_classes = [CanDecideInterventions]

    @extend_schema_serializer(component_name="InterventionReject")
    class InputSerializer(DecisionInputSerializer):
        reason = serializers.CharField(
            max_length=255, required=False, allow_blank=True, default="", help_text="Kept in the audit trail."
        )

    @extend_schema(
        operation_id="interventions_reject",
        summary="Reject a proposal (or several)",
        description=(
            "Rejects a proposed intervention with an optional reason kept in its audit trail. Refusals: 404 unknown "
            "id, 409 invalid_state (not pending). With intervention_ids, each id is rejected on its own with the "
            "same reason, and the answer is 200 with the rejected ones and the reason for each other id."
        ),
        request=InputSerializer,
        responses=_decision_responses("Reject", "rejected"),
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if "intervention_ids" in data:
            rejected, errors = _decide_many(
                ids=data["intervention_ids"],
                decide=lambda pk: intervention_reject(intervention_id=pk, user=request.user, reason=data["reason"]),
            )
            return Response({"rejected": rejected, "errors": errors})
        try:
            intervention = intervention_reject(
                intervention_id=data["intervention_id"], user=request.user, reason=data["reason"]
            )
        except Intervention.DoesNotExist as exc:
            raise not_found(data["intervention_id"]) from exc
        except DjangoValidationError as exc:
            raise refusal(exc) from exc
        return Response(DecisionOutputSerializer(intervention).data)
