"""The access policy at a portal page's door: the view decides, so a fragment URL is refused like its page."""

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, resolve_url
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails

from accounts.access import sees_staff_data

View = Callable[..., HttpResponse]


class PortalRequest(HttpRequest):
    """A request as portal views see it: django-htmx's middleware has said whether htmx sent it."""

    htmx: HtmxDetails


def login_redirect(request: PortalRequest) -> HttpResponse:
    """To the login page, back here afterwards; an htmx request makes the whole page go there, not its fragment."""
    here = request.htmx.current_url_abs_path if request.htmx and request.htmx.current_url_abs_path else None
    login = f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': here or request.get_full_path()}, safe='/')}"
    return HttpResponseClientRedirect(login) if request.htmx else redirect(login)


def staff_page(view: View) -> View:
    """Staff of any role (accounts.access.sees_staff_data); anonymous visitors log in first, anyone else gets 403."""

    @wraps(view)
    def checked(request: PortalRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return login_redirect(request)
        if not sees_staff_data(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return checked
