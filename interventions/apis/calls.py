"""Support call list API: the personal calls to make, taking one on, logging an attempt."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import CanWorkCalls, IsStaff
from interventions.apis.common import refusal
from interventions.models import CallStatus, SupportCall
from interventions.selectors import support_call_list
from interventions.services.calls import support_call_claim, support_call_log
from sheba_retention.common.api.errors import ErrorSerializer
from sheba_retention.common.api.lists import ListApi


@extend_schema_serializer(component_name="SupportCall")
class SupportCallOutputSerializer(serializers.ModelSerializer):
    customer_id = serializers.CharField(source="customer.external_id")
    name = serializers.CharField(source="customer.name")
    phone = serializers.CharField(source="customer.phone")
    language = serializers.CharField(source="customer.language")
    churn_probability = serializers.FloatField(source="intervention.churn_probability")
    reasons = serializers.SerializerMethodField()
    assigned_to = serializers.CharField(source="assigned_to.username", default=None, allow_null=True)

    class Meta:
        model = SupportCall
        fields = [
            "id",
            "intervention",
            "customer_id",
            "name",
            "phone",
            "language",
            "churn_probability",
            "reasons",
            "status",
            "due_by",
            "attempts",
            "last_attempt_at",
            "assigned_to",
            "note",
            "closed_at",
        ]

    def get_reasons(self, obj: SupportCall) -> list[str]:
        prediction = obj.intervention.prediction
        return [item.get("text_en", "") for item in (prediction.reasons if prediction else [])]


class SupportCallListApi(ListApi):
    permission_classes = [IsStaff]

    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=CallStatus.choices, required=False)
        mine = serializers.BooleanField(required=False, default=False, help_text="Only the calls on my list.")

    @extend_schema(
        operation_id="interventions_calls",
        summary="The support call list",
        description="Personal calls promised to customers, the earliest due first.",
        parameters=[FilterSerializer],
        responses=SupportCallOutputSerializer,
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        queryset = support_call_list(
            status=filters.validated_data.get("status"),
            assigned_to=request.user if filters.validated_data["mine"] else None,
        )
        return self.paginated(queryset, serializer_class=SupportCallOutputSerializer)


def _act(call_id: int, action) -> Response:
    try:
        call = action()
    except SupportCall.DoesNotExist as exc:
        raise NotFound(f"call {call_id} does not exist") from exc
    except DjangoValidationError as exc:
        raise refusal(exc) from exc
    return Response(SupportCallOutputSerializer(call).data)


class SupportCallClaimApi(APIView):
    permission_classes = [CanWorkCalls]

    @extend_schema(
        operation_id="interventions_calls_claim",
        summary="Put an open call on my list",
        request=None,
        responses={200: SupportCallOutputSerializer, 409: ErrorSerializer},
    )
    def post(self, request: Request, call_id: int) -> Response:
        return _act(call_id, lambda: support_call_claim(call_id=call_id, user=request.user))


class SupportCallLogApi(APIView):
    permission_classes = [CanWorkCalls]

    @extend_schema_serializer(component_name="SupportCallAttempt")
    class InputSerializer(serializers.Serializer):
        reached = serializers.BooleanField(help_text="Did the customer answer?")
        note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")

        def validate(self, attrs: dict) -> dict:
            # A form-encoded request without the field reads as False (HTML checkbox semantics): an attempt nobody
            # reported would be logged as unanswered.
            if "reached" not in self.initial_data:
                raise serializers.ValidationError({"reached": "This field is required."})
            return attrs

    @extend_schema(
        operation_id="interventions_calls_log",
        summary="Log a call attempt",
        description="Reached closes the call; the third unanswered attempt closes it as no answer. 409 when closed.",
        request=InputSerializer,
        responses={200: SupportCallOutputSerializer, 409: ErrorSerializer},
    )
    def post(self, request: Request, call_id: int) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        return _act(
            call_id,
            lambda: support_call_log(call_id=call_id, user=request.user, reached=data["reached"], note=data["note"]),
        )
