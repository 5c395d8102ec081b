"""REST endpoints for redeeming a discount code and for payment-gateway callbacks."""

from decimal import Decimal

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import access
from customers.selectors import customers_visible_to
from payments.models import PaymentTransaction, Redemption
from payments.services import (
    CodeRejected,
    CodeRejection,
    IdempotencyKeyReused,
    PaymentError,
    discount_code_redeem,
    payment_callback,
)
from sheba_retention.common.api.errors import ErrorSerializer, error_response
from sheba_retention.common.api.throttling import ScopedRateThrottle

# Another customer's code answers exactly like a code that does not exist.
REJECTION_STATUS = {
    CodeRejection.MALFORMED: status.HTTP_400_BAD_REQUEST,
    CodeRejection.INVALID_ORDER_AMOUNT: status.HTTP_400_BAD_REQUEST,
    CodeRejection.BELOW_MIN_ORDER: status.HTTP_400_BAD_REQUEST,
    CodeRejection.UNKNOWN: status.HTTP_404_NOT_FOUND,
    CodeRejection.FOREIGN: status.HTTP_404_NOT_FOUND,
    CodeRejection.USED_UP: status.HTTP_409_CONFLICT,
    CodeRejection.EXPIRED: status.HTTP_410_GONE,
    CodeRejection.INACTIVE: status.HTTP_410_GONE,
}
PAYMENT_ERROR_STATUS = {
    PaymentError.UNKNOWN_GATEWAY: status.HTTP_404_NOT_FOUND,
    PaymentError.INVALID_SIGNATURE: status.HTTP_400_BAD_REQUEST,
    PaymentError.MALFORMED_CALLBACK: status.HTTP_400_BAD_REQUEST,
    PaymentError.UNKNOWN_REFERENCE: status.HTTP_404_NOT_FOUND,
    PaymentError.INVALID_STATE: status.HTTP_409_CONFLICT,
    PaymentError.IDEMPOTENCY_KEY_REUSED: status.HTTP_409_CONFLICT,
    PaymentError.GATEWAY_TIMEOUT: status.HTTP_503_SERVICE_UNAVAILABLE,
    PaymentError.GATEWAY_DECLINED: status.HTTP_402_PAYMENT_REQUIRED,
}


class CustomerCodeRedeemApi(APIView):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "code_redeem"

    @extend_schema_serializer(component_name="CodeRedeem")
    class InputSerializer(serializers.Serializer):
        code = serializers.CharField(max_length=64, trim_whitespace=True)
        order_amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
        idempotency_key = serializers.CharField(
            max_length=64, help_text="A fresh random value (e.g. a UUID) per redemption; a retry sends the same one."
        )

    @extend_schema_serializer(component_name="Redemption")
    class OutputSerializer(serializers.ModelSerializer):
        code = serializers.CharField(source="code.code")
        customer = serializers.CharField(source="customer.external_id")
        amount_to_pay = serializers.SerializerMethodField()
        remaining_uses = serializers.SerializerMethodField()

        class Meta:
            model = Redemption
            fields = [
                "id",
                "code",
                "customer",
                "order_amount",
                "discount_amount",
                "amount_to_pay",
                "remaining_uses",
                "idempotency_key",
                "redeemed_at",
            ]

        def get_amount_to_pay(self, obj: Redemption) -> str:
            return f"{obj.order_amount - obj.discount_amount:.2f}"

        def get_remaining_uses(self, obj: Redemption) -> int:
            return obj.code.max_uses - obj.code.uses

    @extend_schema(
        operation_id="customer_code_redeem",
        summary="Redeem a discount code on an order",
        description=(
            "Atomic and idempotent: repeating a request with the same idempotency_key returns the same redemption "
            "and does not use the code again. Refusals: 400 malformed / below_min_order / invalid_order_amount, "
            "403 for staff who may not act for customers (analysts), 404 unknown (also for another customer's code), "
            "409 used_up or idempotency_key_reused, 410 expired / inactive."
        ),
        request=InputSerializer,
        responses={
            201: OutputSerializer,
            400: ErrorSerializer,
            403: ErrorSerializer,
            404: ErrorSerializer,
            409: ErrorSerializer,
            410: ErrorSerializer,
            429: ErrorSerializer,
        },
        examples=[
            OpenApiExample(
                "Redeem",
                request_only=True,
                value={"code": "SHEBA-7KQ4-M9XD", "order_amount": "1200.00", "idempotency_key": "9b1d3c7e-…"},
            ),
            OpenApiExample(
                "Used up",
                response_only=True,
                status_codes=["409"],
                value={
                    "error": {
                        "code": "used_up",
                        "message": "This discount code has already been used.",
                        "details": {"max_uses": 1},
                    }
                },
            ),
        ],
    )
    def post(self, request: Request, customer_id: str) -> Response:
        # Another customer's id is a 404, as for a customer that does not exist.
        customer = get_object_or_404(customers_visible_to(viewer=request.user), external_id=customer_id)
        if not access.may_act_for(request.user, customer):  # analysts see the customer but change nothing
            raise PermissionDenied(access.REFUSAL[access.Action.MANAGE_CODES])
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            redemption = discount_code_redeem(customer=customer, **serializer.validated_data)
        except CodeRejected as rejection:
            public_code = CodeRejection.UNKNOWN if rejection.reason_code == CodeRejection.FOREIGN else None
            return error_response(
                code=public_code or rejection.reason_code,
                message=rejection.message,
                details={} if public_code else rejection.details,
                status_code=REJECTION_STATUS[rejection.reason_code],
            )
        except IdempotencyKeyReused as exc:
            return error_response(
                code=PaymentError.IDEMPOTENCY_KEY_REUSED, message=str(exc), status_code=status.HTTP_409_CONFLICT
            )
        return Response(self.OutputSerializer(redemption).data, status=status.HTTP_201_CREATED)


class PaymentCallbackApi(APIView):
    """Called by the gateways, not by people: no login, the HMAC signature is the authentication."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = [JSONParser]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "payment_callback"

    @extend_schema_serializer(component_name="PaymentCallbackResult")
    class OutputSerializer(serializers.ModelSerializer):
        reference = serializers.CharField(source="gateway_reference")

        class Meta:
            model = PaymentTransaction
            fields = ["reference", "gateway", "status", "amount"]

    @extend_schema(
        operation_id="payment_callback",
        summary="Payment gateway callback (signed)",
        description=(
            "The gateway's notification of a payment's outcome, in that gateway's own shape. The X-Signature header "
            "must be the hex HMAC-SHA256 of the canonical JSON payload (sorted keys, no spaces) with the gateway's "
            "secret. A repeated callback is answered 200 and changes nothing."
        ),
        parameters=[
            OpenApiParameter("X-Signature", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True),
            OpenApiParameter("gateway", OpenApiTypes.STR, OpenApiParameter.PATH, enum=["bkash", "nagad", "bank"]),
        ],
        request=OpenApiTypes.OBJECT,
        responses={
            200: OutputSerializer,
            400: OpenApiResponse(ErrorSerializer, description="invalid_signature or malformed_callback"),
            404: OpenApiResponse(ErrorSerializer, description="unknown_gateway or unknown_reference"),
            409: OpenApiResponse(ErrorSerializer, description="the callback contradicts the payment's state"),
            503: OpenApiResponse(ErrorSerializer, description="the gateway timed out while confirming; retry"),
        },
    )
    def post(self, request: Request, gateway: str) -> Response:
        payload = request.data if isinstance(request.data, dict) else {}
        try:
            tx = payment_callback(
                gateway=gateway, payload=dict(payload), signature=request.headers.get("X-Signature", "")
            )
        except PaymentError as exc:
            return error_response(code=exc.code, message=exc.message, status_code=PAYMENT_ERROR_STATUS[exc.code])
        return Response(self.OutputSerializer(tx).data)
