"""A customer's offers: the discount codes they can still redeem, each with the message that came with it."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from customers.selectors import customers_visible_to
from interventions.selectors import offer_list, offer_message
from payments.models import DiscountCode
from sheba_retention.common.api.lists import ListApi


class CustomerOfferListApi(ListApi):
    @extend_schema_serializer(component_name="CustomerOffer")
    class OutputSerializer(serializers.ModelSerializer):
        remaining_uses = serializers.SerializerMethodField()
        message = serializers.SerializerMethodField(help_text="The offer's message in the customer's language.")
        intervention = serializers.IntegerField(source="intervention_id", allow_null=True)

        class Meta:
            model = DiscountCode
            fields = [
                "code",
                "kind",
                "value",
                "min_order",
                "max_uses",
                "remaining_uses",
                "expires_at",
                "intervention",
                "message",
            ]

        def get_remaining_uses(self, obj: DiscountCode) -> int:
            return obj.max_uses - obj.uses

        def get_message(self, obj: DiscountCode) -> str:
            return offer_message(code=obj, language=self.context["language"])

    @extend_schema(
        operation_id="customer_offers_list",
        summary="A customer's redeemable discount codes",
        description=(
            "Active, unexpired codes with uses left, soonest expiry first. A customer sees only their own offers "
            "(another customer's id is a 404); staff see anyone's."
        ),
        responses=OutputSerializer,
    )
    def get(self, request: Request, customer_id: str) -> Response:
        # Another customer's id is a 404, as for a customer that does not exist.
        customer = get_object_or_404(customers_visible_to(viewer=request.user), external_id=customer_id)
        return self.paginated(
            offer_list(customer=customer),
            serializer_class=self.OutputSerializer,
            context={"language": customer.language},
        )
