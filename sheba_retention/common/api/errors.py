"""One error body for the whole API: {"error": {"code", "message", "details"}}.

DRF's views answer with it through `exception_handler`. What fails before a view runs or outside DRF (a URL that
matches no route, a path converter that does not match, an uncaught exception, a request Django refuses) reaches
Django's error handlers, wired in sheba_retention/urls.py: under /api/ they answer with the same body, elsewhere (the
admin, the portals) with Django's HTML pages. With DEBUG on, Django shows its technical pages instead, as it does for
every view.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from drf_spectacular.utils import inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from sheba_retention.common.tasks import BrokerUnavailable

# The body's schema, for the OpenAPI `responses` of every endpoint.
ErrorSerializer = inline_serializer(
    name="Error",
    fields={
        "error": inline_serializer(
            name="ErrorBody",
            fields={
                "code": serializers.CharField(),
                "message": serializers.CharField(),
                "details": serializers.DictField(),
            },
        )
    },
)


API_PREFIX = "/api/"


class BrokerUnavailableError(exceptions.APIException):
    """What needs the task queue answers this while the broker is unreachable."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "broker_unavailable"
    default_detail = "the task queue is unreachable; try again in a few minutes"


def error_body(*, code: str, message: str, details: dict | list | None = None) -> dict:
    # A list of reasons (a view's ValidationError("…")) is filed as DRF files a serializer's: under non_field_errors.
    if isinstance(details, list):
        details = {"non_field_errors": details}
    return {"error": {"code": code, "message": message, "details": details or {}}}


def error_response(*, code: str, message: str, details: dict | None = None, status_code: int) -> Response:
    """The error body for refusals a service reports by exception rather than as a DRF error."""
    return Response(error_body(code=code, message=message, details=details), status=status_code)


def _first_message(detail: Any) -> str:
    if isinstance(detail, dict):
        for key, value in detail.items():
            message = _first_message(value)
            return message if key in ("detail", "non_field_errors") else f"{key}: {message}"
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    return str(detail)


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, BrokerUnavailable):
        exc = BrokerUnavailableError(str(exc))
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = getattr(exc, "default_code", "error")
    if isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        if isinstance(codes, str):
            code = codes
    details = response.data if isinstance(response.data, dict | list) else {}
    if isinstance(details, dict) and set(details) == {"detail"}:
        details = {}
    response.data = error_body(code=code, message=_first_message(response.data), details=details)
    if response.status_code == status.HTTP_401_UNAUTHORIZED and "WWW-Authenticate" not in response:
        response["WWW-Authenticate"] = 'Token realm="api"'
    return response


def is_api_request(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX) or request.path_info == API_PREFIX.rstrip("/")


def _api_error(exc: type[exceptions.APIException]) -> JsonResponse:
    """The body DRF's own exception would have given, for an error no DRF view saw."""
    body = error_body(code=str(exc.default_code), message=str(exc.default_detail))
    return JsonResponse(body, status=exc.status_code)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """A request Django refuses before any view (a Host not allowed, a body over the upload limit)."""
    if not is_api_request(request):
        return defaults.bad_request(request, exception)
    return JsonResponse(error_body(code="bad_request", message="Bad request."), status=400)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not is_api_request(request):
        return defaults.permission_denied(request, exception)
    return _api_error(exceptions.PermissionDenied)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """No route matches: an unknown path, or a path converter that refused its part (`calls/x/claim`)."""
    if not is_api_request(request):
        return defaults.page_not_found(request, exception)
    return _api_error(exceptions.NotFound)


def server_error(request: HttpRequest) -> HttpResponse:
    """Django has logged the traceback (django.request) before this answers; the body never shows it."""
    if not is_api_request(request):
        return defaults.server_error(request)
    return JsonResponse(error_body(code="server_error", message="A server error occurred."), status=500)
