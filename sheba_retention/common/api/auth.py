"""Logging in to the API: a token for a username and password, braked per IP and per username, locked after failures.

Three brakes, each answering 429 with the error body and Retry-After: every attempt from one IP (LoginIpThrottle),
failed attempts on one username from anywhere (LoginUsernameThrottle), and django-axes' lockout of a username from
one IP after AXES_FAILURE_LIMIT failures, which the admin's login form shares (sheba_retention/common/lockout.py).
"""

from axes.helpers import get_cool_off
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.request import Request
from rest_framework.response import Response

from sheba_retention.common.api.errors import ErrorSerializer
from sheba_retention.common.api.throttling import LoginIpThrottle, LoginUsernameThrottle

LOCKED_OUT = "Too many failed logins for this account from your address."


class TokenObtainApi(ObtainAuthToken):
    throttle_classes = [LoginIpThrottle, LoginUsernameThrottle]

    @extend_schema(
        operation_id="auth_token_create",
        summary="Get an API token for a username and password",
        description=(
            "Answers 429 (with Retry-After) after too many attempts from one address, too many failed attempts on one "
            "username, or when the username is locked out from this address after repeated failures."
        ),
        responses={
            200: AuthTokenSerializer,
            400: ErrorSerializer,
            429: ErrorSerializer,
        },
    )
    def post(self, request: Request, *args, **kwargs) -> Response:
        try:
            return super().post(request, *args, **kwargs)
        except exceptions.ValidationError:
            LoginUsernameThrottle().record_failure(request, self)
            # django-axes refused to check the password: say so, rather than "wrong credentials".
            if getattr(request, "axes_locked_out", False):
                cool_off = get_cool_off(request)
                raise exceptions.Throttled(
                    wait=cool_off.total_seconds() if cool_off else None, detail=LOCKED_OUT
                ) from None
            raise
