"""Portal pages in the language the signed-in user chose, whatever their browser asks for.

After LocaleMiddleware (the language cookie, Accept-Language) and AuthenticationMiddleware. The API keeps speaking
what each request asks for: an app sends Accept-Language itself.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation

from accounts.services import preferred_language


class PreferredLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> None:
        match = request.resolver_match
        if match is None or "api" in match.namespaces or not request.user.is_authenticated:
            return
        language = preferred_language(user=request.user)
        if language and language != translation.get_language():
            translation.activate(language)
            request.LANGUAGE_CODE = language  # LocaleMiddleware's attribute, which templates read
