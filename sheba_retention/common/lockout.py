"""django-axes' hooks: who the client is, and what a locked-out login form answers (429 with Retry-After)."""

from axes.helpers import get_cool_off
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from rest_framework.throttling import BaseThrottle

from mlcore.explain import bengali_digits


def client_ip(request: HttpRequest) -> str | None:
    """The client's address as the API throttles see it: REMOTE_ADDR, or the entry our own proxies added to
    X-Forwarded-For (REST_FRAMEWORK["NUM_PROXIES"]), so a client cannot pick its own address."""
    return BaseThrottle().get_ident(request)  # type: ignore[arg-type]


def lockout_response(request: HttpRequest, response: HttpResponse | None, credentials: dict | None) -> HttpResponse:
    """The admin's login page locked: 429, how long until it opens again, and the same in Retry-After."""
    cool_off = get_cool_off(request)
    seconds = int(cool_off.total_seconds()) if cool_off else None
    minutes = -(-seconds // 60) if seconds else None
    locked = render(
        request,
        "admin/locked_out.html",
        {
            **admin.site.each_context(request),
            "title": _("Too many failed logins"),
            "minutes": minutes,
            # Bengali text takes Bengali digits.
            "minutes_shown": bengali_digits(str(minutes)) if get_language() == "bn" else str(minutes),
        },
        status=429,
    )
    if seconds:
        locked["Retry-After"] = str(seconds)
    return locked
