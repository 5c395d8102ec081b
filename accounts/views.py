"""One login page for everyone, logout, the language switch, and where each role lands after logging in."""

from django.conf import settings
from django.contrib.auth import login, logout
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.access import customer_of, home_of
from accounts.models import Language
from accounts.services import language_set


def _next_url(request: HttpRequest) -> str | None:
    wanted = request.POST.get("next") or request.GET.get("next")
    if wanted and url_has_allowed_host_and_scheme(wanted, {request.get_host()}, require_https=request.is_secure()):
        return wanted
    return None


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return redirect(home_of(request.user))


@require_http_methods(["GET", "HEAD", "POST"])
def login_page(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.method != "POST":
        return redirect(_next_url(request) or home_of(request.user))
    form = AuthenticationForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.get_user()
        login(request, user)
        return redirect(_next_url(request) or home_of(user))
    return render(request, "accounts/login.html", {"form": form, "next": _next_url(request) or ""})


@require_POST
def logout_page(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("login")


@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    """Show the pages in the chosen language from now on: for a signed-in user on every device (remembered with
    them), and in this browser before logging in (the language cookie)."""
    language = request.POST.get("language", "")
    response = redirect(_next_url(request) or home_of(request.user))
    if language not in Language.values:
        return response
    if request.user.is_authenticated:
        language_set(user=request.user, language=language)
    translation.activate(language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
    )
    return response


@require_safe
def customer_home(request: HttpRequest) -> HttpResponse:
    """A customer's landing page until the customer portal opens: says so, and where their offers are today."""
    if customer_of(request.user) is None:
        return redirect(home_of(request.user))
    return render(request, "accounts/customer_home.html", {"customer": customer_of(request.user)})
