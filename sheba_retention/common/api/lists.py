"""The list-endpoint recipe: a ListApi filters a selector's queryset with its FilterSet, paginates and serializes.

What a list view declares is all the API and its OpenAPI schema read, so the two cannot drift apart: the
`pagination_class` pages the rows and documents the page envelope (`{count, next, previous, results}` or the
cursor's `{next, previous, results}`) and its query parameters; the `filterset_class` filters the rows and documents
the filters. A view that pages its rows any other way would be documented as a bare array, so there is no other way.
"""

from django.db.models import QuerySet
from django_filters import FilterSet
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.views import APIView

from sheba_retention.common.api.pagination import PagePagination


class ListApi(APIView):
    """A GET that answers one page of rows. Subclasses set `filterset_class` if they filter, and may change
    `pagination_class`; their `get` passes a selector's queryset through `filtered` and `paginated`."""

    pagination_class: type[BasePagination] = PagePagination
    filterset_class: type[FilterSet] | None = None
    # drf-spectacular documents the FilterSet's parameters through the backend (sheba_retention.common.api.schema).
    filter_backends = [DjangoFilterBackend]

    def get_queryset(self) -> QuerySet:
        """The filters' model, for the schema generator; the rows themselves always come from a selector."""
        if self.filterset_class is None:
            raise TypeError(f"{type(self).__name__} has no filterset_class")
        filterset = self.filterset_class()  # without a queryset, its model's every row (lazily: nothing is run)
        assert filterset.queryset is not None
        return filterset.queryset.none()

    def filtered(self, queryset: QuerySet) -> QuerySet:
        """Apply the filters; unknown values (a bad date, an unknown choice) are a 400 with the reason, not ignored."""
        if self.filterset_class is None:
            return queryset
        filterset = self.filterset_class(data=self.request.query_params, queryset=queryset, request=self.request)
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        return filterset.qs

    def paginated(
        self, queryset: QuerySet, *, serializer_class: type[serializers.Serializer], context: dict | None = None
    ) -> Response:
        """One page of `queryset` serialized; `context` adds to the serializer's context (which always has the
        request)."""
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(queryset, self.request, view=self)
        serializer = serializer_class(page, many=True, context={"request": self.request, **(context or {})})
        return paginator.get_paginated_response(serializer.data)
