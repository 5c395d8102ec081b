"""The OpenAPI schema reads what the views declare, so it describes what the API answers without per-view notes.

- A serializer nested in a view is named after the view: every APIView here nests its own `InputSerializer` /
  `OutputSerializer` (STYLE.md); without this they would all be the component "Output", and the schema mobile
  developers generate clients from would be wrong.
- A `ListApi`'s GET is a list: paged by its `pagination_class` (the page envelope), filtered by its `filterset_class`
  (the query parameters).
- An output field that falls back to `default=None` (a value read through a relation that may be empty) can be null.
- The errors an operation can answer are documented from what its view declares (`ERRORS`), each with the one
  error body of `errors.py`; what only the code knows (409 for a state, 503 for a missing model) the view adds.
"""

from dataclasses import dataclass

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework import permissions
from rest_framework.authentication import SessionAuthentication

from sheba_retention.common.api.errors import ErrorSerializer
from sheba_retention.common.api.lists import ListApi

# Permission classes that refuse nobody once signed in: a refusal by them is a 401, never a 403.
SIGNED_IN_ONLY = (permissions.AllowAny, permissions.IsAuthenticated)
UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class _Operation:
    """What the generated operation shows of itself, for deciding which errors it can answer."""

    has_body: bool
    has_path_parameters: bool
    has_query_parameters: bool  # other than the page's own
    pages: bool


ERRORS = {
    400: "Invalid request: a field of the body or a query parameter (details names each, with the reason).",
    401: "Not signed in, or the credentials are invalid (WWW-Authenticate says how to sign in).",
    403: "Signed in but not allowed (or a browser session's write without its CSRF token).",
    404: "Not found: no such object, or not one the caller may see (or no such page of a list).",
    415: "Unsupported media type: send the body as JSON.",
    429: "Too many requests: wait the seconds Retry-After gives.",
}


class AutoSchema(SpectacularAutoSchema):
    def get_serializer_name(self, serializer, direction) -> str:
        cls = serializer.__class__
        outer, _, inner = cls.__qualname__.rpartition(".")
        if not outer:
            return cls.__name__
        view = outer.split(".")[0].removesuffix("Api")
        return view + inner.removesuffix("Serializer")

    def get_paginated_name(self, serializer_name: str) -> str:
        """PaginatedCustomerList, not PaginatedCustomerListOutputList."""
        return f"Paginated{serializer_name.removesuffix('Output').removesuffix('List')}List"

    def _is_list_view(self, serializer=None) -> bool:
        if isinstance(self.view, ListApi) and self.method == "GET":
            return True
        return super()._is_list_view(serializer)

    def get_filter_backends(self) -> list:
        if getattr(self.view, "filterset_class", None) is None:
            return []
        return super().get_filter_backends()

    def _get_serializer_field_meta(self, field, direction) -> dict:
        meta = super()._get_serializer_field_meta(field, direction)
        if direction == "response" and getattr(field, "default", ...) is None:
            meta["nullable"] = True
        return meta

    def get_operation(self, path, path_regex, path_prefix, method, registry) -> dict | None:
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation["responses"]
        shown = self._operation_shown(operation)
        error_ref = self.resolve_serializer(ErrorSerializer, "response").ref
        for status_code in self.error_status_codes(shown):
            responses.setdefault(
                str(status_code),
                {"content": {"application/json": {"schema": error_ref}}, "description": ERRORS[status_code]},
            )
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _operation_shown(self, operation: dict) -> _Operation:
        paginator = self._get_paginator() if self._is_list_view() else None
        page_parameters = (
            {item["name"] for item in paginator.get_schema_operation_parameters(self.view)} if paginator else set()
        )
        parameters = operation.get("parameters", [])
        return _Operation(
            has_body="requestBody" in operation,
            has_path_parameters=any(item["in"] == "path" for item in parameters),
            has_query_parameters=any(
                item["in"] == "query" and item["name"] not in page_parameters for item in parameters
            ),
            pages=paginator is not None,
        )

    def error_status_codes(self, shown: _Operation) -> list[int]:
        """The errors DRF and our conventions answer for this view, from what it declares."""
        view = self.view
        authenticators = view.get_authenticators()
        codes = []
        if shown.has_body or shown.has_query_parameters:
            codes.append(400)  # a body that does not parse or validate; a filter value that does not
        if authenticators:
            codes.append(401)  # also for a wrong token on an endpoint anyone may call
        refuses_signed_in = any(not isinstance(permission, SIGNED_IN_ONLY) for permission in view.get_permissions())
        checks_csrf = self.method in UNSAFE_METHODS and any(
            isinstance(authenticator, SessionAuthentication) for authenticator in authenticators
        )
        if refuses_signed_in or checks_csrf:
            codes.append(403)
        if shown.has_path_parameters or shown.pages:
            codes.append(404)  # the object in the path, or a page past the end (an invalid cursor)
        if shown.has_body:
            codes.append(415)
        if view.get_throttles():
            codes.append(429)
        return codes
