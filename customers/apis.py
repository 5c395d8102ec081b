"""The mock Sheba marketplace API: read-only customers, bookings, services and providers."""

import pandas as pd
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from customers import selectors
from customers.filters import BookingFilter, CustomerFilter, ProviderFilter, ServiceFilter
from customers.models import Booking, Customer, Provider, Service
from customers.selectors import current_segments
from loyalty.selectors import current_tier_names
from predictions.apis import ReasonSerializer
from predictions.selectors import latest_prediction
from sheba_retention.common.api.lists import filtered, paginated_response
from sheba_retention.common.api.pagination import NewestFirstCursorPagination, PagePagination


class CustomerListApi(APIView):
    class OutputSerializer(serializers.ModelSerializer):
        id = serializers.CharField(source="external_id")
        preferred_provider = serializers.CharField(source="preferred_provider.external_id", default=None)

        class Meta:
            model = Customer
            fields = [
                "id",
                "name",
                "phone",
                "email",
                "city",
                "area",
                "gender",
                "age_band",
                "language",
                "preferred_channel",
                "joined_at",
                "preferred_provider",
            ]

    @extend_schema(operation_id="customers_list", responses=OutputSerializer(many=True), filters=True)
    def get(self, request: Request) -> Response:
        queryset = filtered(
            queryset=selectors.customer_list(user=request.user), filterset_class=CustomerFilter, request=request
        )
        return paginated_response(
            pagination_class=PagePagination,
            serializer_class=self.OutputSerializer,
            queryset=queryset,
            request=request,
            view=self,
        )


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
        customer = get_object_or_404(selectors.customer_list(user=request.user), external_id=customer_id)
        # A customer sees their own record and tier, not how the business values them (LTV, the discount caps
        # derived from it) or which marketing segment they are in.
        staff = request.user.is_staff
        customer.prediction = latest_prediction(customer=customer) if staff else None
        customer.segment = current_segments(customer_pks=pd.Index([customer.pk])).iloc[0] if staff else ""
        customer.loyalty_tier = current_tier_names(customer_pks=pd.Index([customer.pk])).iloc[0]
        return Response(self.OutputSerializer(customer).data)


class BookingListApi(APIView):
    class OutputSerializer(serializers.ModelSerializer):
        id = serializers.CharField(source="external_id")
        customer = serializers.CharField(source="customer.external_id")
        service = serializers.CharField(source="service.slug")
        provider = serializers.CharField(source="provider.external_id", default=None)

        class Meta:
            model = Booking
            fields = [
                "id",
                "customer",
                "service",
                "provider",
                "booked_at",
                "scheduled_at",
                "completed_at",
                "amount",
                "discount",
                "status",
                "rating",
                "payment_method",
            ]

    @extend_schema(operation_id="bookings_list", responses=OutputSerializer(many=True), filters=True)
    def get(self, request: Request) -> Response:
        queryset = filtered(
            queryset=selectors.booking_list(user=request.user), filterset_class=BookingFilter, request=request
        )
        return paginated_response(
            pagination_class=NewestFirstCursorPagination,
            serializer_class=self.OutputSerializer,
            queryset=queryset,
            request=request,
            view=self,
        )


class ServiceListApi(APIView):
    class OutputSerializer(serializers.ModelSerializer):
        category = serializers.CharField(source="category.slug")
        category_name = serializers.CharField(source="category.name")

        class Meta:
            model = Service
            fields = ["slug", "name", "name_bn", "category", "category_name", "min_price", "max_price"]

    @extend_schema(operation_id="services_list", responses=OutputSerializer(many=True), filters=True)
    def get(self, request: Request) -> Response:
        queryset = filtered(queryset=selectors.service_list(), filterset_class=ServiceFilter, request=request)
        return paginated_response(
            pagination_class=PagePagination,
            serializer_class=self.OutputSerializer,
            queryset=queryset,
            request=request,
            view=self,
        )


class ProviderListApi(APIView):
    class OutputSerializer(serializers.ModelSerializer):
        id = serializers.CharField(source="external_id")
        category = serializers.CharField(source="category.slug")

        class Meta:
            model = Provider
            fields = ["id", "name", "city", "area", "category", "rating", "is_verified", "is_premium"]

    @extend_schema(operation_id="providers_list", responses=OutputSerializer(many=True), filters=True)
    def get(self, request: Request) -> Response:
        queryset = filtered(queryset=selectors.provider_list(), filterset_class=ProviderFilter, request=request)
        return paginated_response(
            pagination_class=PagePagination,
            serializer_class=self.OutputSerializer,
            queryset=queryset,
            request=request,
            view=self,
        )
