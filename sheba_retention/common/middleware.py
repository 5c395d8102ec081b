"""One log line per request (method, path with its query string masked, status, time taken, user id), and a request
id on every line logged while it runs, taken from X-Request-ID when the caller sent a usable one and sent back in it.

This is the access log: gunicorn's own (which writes query strings as they came) is off in the Procfile.
"""

import logging
import re
import secrets
import time
from collections.abc import Callable

import structlog
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject, empty

from sheba_retention.common.logs import mask

logger = logging.getLogger("sheba_retention.requests")

REQUEST_ID_HEADER = "X-Request-ID"
# What a caller's (or the load balancer's) request id may look like; anything else gets a new one.
USABLE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,64}")


def request_id_for(request: HttpRequest) -> str:
    """The caller's X-Request-ID if it is a plain token that holds nothing personal, else a new random one."""
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    if USABLE_REQUEST_ID.fullmatch(incoming) and mask(incoming) == incoming:
        return incoming
    return secrets.token_urlsafe(16)


def _user_id(request: HttpRequest) -> int | None:
    user = getattr(request, "user", None)
    # Nobody asked who it was (no view looked): no session query just for a log line.
    if isinstance(user, SimpleLazyObject) and user._wrapped is empty:  # type: ignore[attr-defined]
        return None
    return user.pk if user is not None and user.is_authenticated else None


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_for(request)
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            response[REQUEST_ID_HEADER] = request_id
            path = mask(request.get_full_path())
            user_id = _user_id(request)
            logger.log(
                logging.ERROR if response.status_code >= 500 else logging.INFO,
                "%s %s %s %sms user=%s",
                request.method,
                path,
                response.status_code,
                duration_ms,
                user_id,
                extra={
                    "method": request.method,
                    "path": path,
                    "status": response.status_code,
                    "duration_ms": duration_ms,
                    "user_id": user_id,
                },
            )
            return response
        finally:
            structlog.contextvars.clear_contextvars()


class ApiNotFoundMiddleware:
    """With DEBUG on (`make demo`), Django answers an unknown URL with its technical HTML page before handler404 is
    asked; under /api/ that page becomes the API's JSON 404 too, so an app developer gets the same answer from the
    demo as from production. (A 500 keeps its debug page there: its traceback is what a developer needs.)"""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from sheba_retention.common.api.errors import is_api_request, page_not_found

        response = self.get_response(request)
        if (
            response.status_code == 404
            and is_api_request(request)
            and response.get("Content-Type", "").startswith("text/html")
        ):
            return page_not_found(request, Http404())
        return response
