"""The OpenAPI schema describes what the API answers: page envelopes, nullable fields and the errors that occur."""

import pytest
from django.urls import path
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsStaff
from customers.filters import ServiceFilter
from customers.models import Service
from customers.tests.factories import CustomerFactory
from sheba_retention.common.api.lists import ListApi
from sheba_retention.common.api.pagination import NewestFirstCursorPagination

ERROR = {"$ref": "#/components/schemas/Error"}


def schema_of(patterns=None) -> dict:
    return SchemaGenerator(patterns=patterns).get_schema(request=None, public=True)


@pytest.fixture(scope="module")
def schema() -> dict:
    return schema_of()


def responses(schema: dict, method: str, route: str) -> dict:
    return schema["paths"][route][method.lower()]["responses"]


def body_of(schema: dict, method: str, route: str, status: str) -> dict:
    return responses(schema, method, route)[status]["content"]["application/json"]["schema"]


def component(schema: dict, ref: dict) -> dict:
    return schema["components"]["schemas"][ref["$ref"].rsplit("/", 1)[1]]


class ThingListApi(ListApi):
    """A list endpoint as a new one would be written: no schema notes beyond its output."""

    filterset_class = ServiceFilter

    class OutputSerializer(serializers.ModelSerializer):
        class Meta:
            model = Service
            fields = ["slug", "name"]

    @extend_schema(responses=OutputSerializer)
    def get(self, request: Request) -> Response:
        return self.paginated(self.filtered(Service.objects.all()), serializer_class=self.OutputSerializer)


class ThingHistoryApi(ListApi):
    pagination_class = NewestFirstCursorPagination
    permission_classes = [IsStaff]

    class OutputSerializer(serializers.ModelSerializer):
        class Meta:
            model = Service
            fields = ["slug"]

    @extend_schema(responses=OutputSerializer)
    def get(self, request: Request) -> Response:
        raise NotImplementedError


class ThingDetailApi(APIView):
    class OutputSerializer(serializers.Serializer):
        name = serializers.CharField()
        maker = serializers.CharField(source="maker.name", default=None)

    @extend_schema(responses=OutputSerializer)
    def get(self, request: Request, thing_id: str) -> Response:
        raise NotImplementedError


def test_a_new_list_endpoint_is_documented_as_the_page_it_answers_with_its_filters_and_errors():
    # given
    patterns = [path("api/things", ThingListApi.as_view()), path("api/things/history", ThingHistoryApi.as_view())]

    # when
    schema = schema_of(patterns)

    # then
    operation = schema["paths"]["/api/things"]["get"]
    page = component(schema, operation["responses"]["200"]["content"]["application/json"]["schema"])
    assert sorted(page["properties"]) == ["count", "next", "previous", "results"]
    assert page["properties"]["results"]["items"] == {"$ref": "#/components/schemas/ThingListOutput"}
    assert sorted(parameter["name"] for parameter in operation["parameters"]) == ["category", "page", "page_size"]
    assert sorted(operation["responses"]) == ["200", "400", "401", "404"]
    assert all(
        operation["responses"][code]["content"]["application/json"]["schema"] == ERROR for code in "400 401 404".split()
    )
    history = schema["paths"]["/api/things/history"]["get"]
    cursor_page = component(schema, history["responses"]["200"]["content"]["application/json"]["schema"])
    assert sorted(cursor_page["properties"]) == ["next", "previous", "results"]
    assert [parameter["name"] for parameter in history["parameters"]] == ["cursor", "page_size"]
    assert sorted(history["responses"]) == ["200", "401", "403", "404"]


def test_a_field_that_falls_back_to_none_is_documented_nullable():
    schema = schema_of([path("api/things/<str:thing_id>", ThingDetailApi.as_view())])

    output = schema["components"]["schemas"]["ThingDetailOutput"]["properties"]

    assert output["maker"] == {"type": "string", "nullable": True}
    assert output["name"] == {"type": "string"}


LISTS = [
    ("/api/customers", "PaginatedCustomerList"),
    ("/api/bookings", "PaginatedBookingList"),
    ("/api/services", "PaginatedServiceList"),
    ("/api/providers", "PaginatedProviderList"),
    ("/api/customers/{customer_id}/offers", "PaginatedCustomerOfferList"),
    ("/api/predictions/at-risk", "PaginatedPredictionList"),
    ("/api/admin/model-performance", "PaginatedModelPerformanceList"),
    ("/api/interventions/pending", "PaginatedPendingInterventionList"),
    ("/api/interventions/history", "PaginatedInterventionHistoryList"),
    ("/api/interventions/calls", "PaginatedSupportCallList"),
]


@pytest.mark.parametrize(("route", "name"), LISTS)
def test_every_list_endpoint_is_documented_as_a_page(schema, route, name):
    assert body_of(schema, "GET", route, "200") == {"$ref": f"#/components/schemas/{name}"}


@pytest.mark.django_db
def test_a_customer_without_a_preferred_provider_is_documented_as_answered(schema, staff_client):
    # given
    CustomerFactory(preferred_provider=None)

    # when
    row = staff_client.get("/api/customers").json()["results"][0]

    # then
    assert row["preferred_provider"] is None
    assert component(schema, {"$ref": "#/components/schemas/CustomerListOutput"})["properties"][
        "preferred_provider"
    ] == {"type": "string", "nullable": True}


@pytest.mark.parametrize(
    ("method", "route", "expected"),
    [
        ("GET", "/api/customers/{customer_id}", ["200", "401", "404"]),
        ("GET", "/api/predictions/dashboard", ["200", "401", "403"]),
        ("POST", "/api/admin/retrain", ["202", "401", "403", "503"]),
        ("POST", "/api/predict/churn", ["200", "400", "401", "403", "404", "415", "422", "503"]),
        ("POST", "/api/interventions/approve", ["200", "400", "401", "403", "404", "409", "415"]),
        ("POST", "/api/interventions/calls/{call_id}/claim", ["200", "401", "403", "404", "409"]),
        (
            "POST",
            "/api/customers/{customer_id}/redeem",
            ["201", "400", "401", "403", "404", "409", "410", "415", "429"],
        ),
        ("POST", "/api/payments/callback/{gateway}", ["200", "400", "404", "409", "415", "429", "503"]),
        ("POST", "/api/auth/token/", ["200", "400", "401", "403", "415", "429"]),
        ("GET", "/api/analytics/retention", ["200", "400", "401", "403"]),
        ("GET", "/api/analytics/roi", ["200", "400", "401", "403"]),
        ("GET", "/api/analytics/segments", ["200", "400", "401", "403"]),
        ("GET", "/api/analytics/revenue", ["200", "400", "401", "403"]),
    ],
)
def test_each_operation_documents_the_errors_it_can_answer(schema, method, route, expected):
    assert sorted(responses(schema, method, route)) == expected


def test_every_documented_error_has_the_one_error_body(schema):
    bodies = {
        body_of(schema, method, route, status)["$ref"]
        for route, operations in schema["paths"].items()
        for method, operation in operations.items()
        for status in operation["responses"]
        if status >= "400"
    }

    assert bodies == {ERROR["$ref"]}
