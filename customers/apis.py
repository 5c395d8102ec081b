"""The mock Sheba marketplace API: read-only customers, bookings, services and providers.

One customer's profile (with their prediction, segment and tier) composes several apps: predictions/apis.py.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from customers import selectors
from customers.filters import BookingFilter, CustomerFilter, ProviderFilter, ServiceFilter
from customers.models import Booking, Customer, Provider, Service
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
            queryset=selectors.customers_visible_to(viewer=request.user),
            filterset_class=CustomerFilter,
            request=request,
        )
        return paginated_response(
            pagination_class=PagePagination,
            serializer_class=self.OutputSerializer,
            queryset=queryset,
            request=request,
            view=self,
        )


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
            queryset=selectors.bookings_visible_to(viewer=request.user), filterset_class=BookingFilter, request=request
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
