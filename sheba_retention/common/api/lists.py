"""The list-endpoint recipe: filter a selector's queryset with a FilterSet, paginate, serialize."""

from django.db.models import QuerySet
from django_filters import FilterSet
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


def filtered(*, queryset: QuerySet, filterset_class: type[FilterSet], request: Request) -> QuerySet:
    """Apply the filters; unknown values (a bad date, an unknown choice) are a 400 with the reason, not ignored."""
    filterset = filterset_class(data=request.query_params, queryset=queryset, request=request)
    if not filterset.is_valid():
        raise ValidationError(filterset.errors)
    return filterset.qs


def paginated_response(
    *,
    pagination_class: type[BasePagination],
    serializer_class: type[serializers.Serializer],
    queryset: QuerySet,
    request: Request,
    view: APIView,
    context: dict | None = None,
) -> Response:
    """One page of `queryset` serialized; `context` adds to the serializer's context (which always has the request)."""
    paginator = pagination_class()
    page = paginator.paginate_queryset(queryset, request, view=view)
    serializer = serializer_class(page, many=True, context={"request": request, **(context or {})})
    return paginator.get_paginated_response(serializer.data)
