"""The mock Sheba marketplace API: read-only customers, bookings, services and providers.

One customer's profile (with their prediction, segment and tier) composes several apps: predictions/apis.py.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from customers import selectors
from customers.filters import BookingFilter, CustomerFilter, ProviderFilter, ServiceFilter
from customers.models import Booking, Customer, Provider, Service
from sheba_retention.common.api.lists import ListApi
from sheba_retention.common.api.pagination import NewestFirstCursorPagination


class CustomerListApi(ListApi):
    filterset_class = CustomerFilter

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

    @extend_schema(operation_id="customers_list", responses=OutputSerializer)
    def get(self, request: Request) -> Response:
        queryset = self.filtered(selectors.customers_visible_to(viewer=request.user))
        return self.paginated(queryset, serializer_class=self.OutputSerializer)


class BookingListApi(ListApi):
    pagination_class = NewestFirstCursorPagination
    filterset_class = BookingFilter

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

    @extend_schema(operation_id="bookings_list", responses=OutputSerializer)
    def get(self, request: Request) -> Response:
        queryset = self.filtered(selectors.bookings_visible_to(viewer=request.user))
        return self.paginated(queryset, serializer_class=self.OutputSerializer)


class ServiceListApi(ListApi):
    filterset_class = ServiceFilter

    class OutputSerializer(serializers.ModelSerializer):
        category = serializers.CharField(source="category.slug")
        category_name = serializers.CharField(source="category.name")

        class Meta:
            model = Service
            fields = ["slug", "name", "name_bn", "category", "category_name", "min_price", "max_price"]

    @extend_schema(operation_id="services_list", responses=OutputSerializer)
    def get(self, request: Request) -> Response:
        return self.paginated(self.filtered(selectors.service_list()), serializer_class=self.OutputSerializer)


class ProviderListApi(ListApi):
    filterset_class = ProviderFilter

    class OutputSerializer(serializers.ModelSerializer):
        id = serializers.CharField(source="external_id")
        category = serializers.CharField(source="category.slug")

        class Meta:
            model = Provider
            fields = ["id", "name", "city", "area", "category", "rating", "is_verified", "is_premium"]

    @extend_schema(operation_id="providers_list", responses=OutputSerializer)
    def get(self, request: Request) -> Response:
        return self.paginated(self.filtered(selectors.provider_list()), serializer_class=self.OutputSerializer)
