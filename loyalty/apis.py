"""Loyalty API: a customer's tier, benefits, progress to the next tier and tier history."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from customers.selectors import customer_list
from loyalty.models import CustomerLoyalty, LoyaltyTier
from loyalty.selectors import customer_loyalty_summary


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
        customer = get_object_or_404(customer_list(user=request.user), external_id=customer_id)
        summary = customer_loyalty_summary(customer=customer)
        return Response(self.OutputSerializer({"customer_id": customer.external_id, **summary}).data)
