"""Request rates: the API per user (anonymous clients per IP), logins per IP and per username, callbacks per IP.

The rates are settings (REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], from the environment; see .env.example). DRF's own
classes read them once, at import; these read them on every request, so a test (or a settings override) that changes
a rate is obeyed. A scope whose rate is None is not throttled: the test settings switch logins and callbacks off so.
"""

import hashlib

from django.core.exceptions import ImproperlyConfigured
from rest_framework import throttling
from rest_framework.request import Request
from rest_framework.settings import api_settings


class _LiveRate:
    scope: str | None

    def get_rate(self) -> str | None:
        rates = api_settings.DEFAULT_THROTTLE_RATES
        if self.scope not in rates:
            raise ImproperlyConfigured(f"No throttle rate set for the scope {self.scope!r}.")
        rate = rates[self.scope]
        return None if rate is None else str(rate)


class AnonRateThrottle(_LiveRate, throttling.AnonRateThrottle):
    """Anonymous requests, per client IP."""


class UserRateThrottle(_LiveRate, throttling.UserRateThrottle):
    """Signed-in requests, per user."""


class ScopedRateThrottle(_LiveRate, throttling.ScopedRateThrottle):
    """The view's own `throttle_scope`: per user when signed in, else per client IP."""


class LoginIpThrottle(_LiveRate, throttling.SimpleRateThrottle):
    """Every login attempt from one client IP, right or wrong."""

    scope = "login_ip"

    def get_cache_key(self, request: Request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginUsernameThrottle(_LiveRate, throttling.SimpleRateThrottle):
    """Failed logins to one username, from anywhere: a brake on guessing one account's password from many IPs.

    Only failures count (the view calls `record_failure`), so someone who knows their password is not slowed down by
    their own logins. The username is hashed in the cache key: it may be a phone number or an e-mail address.
    """

    scope = "login_username"
    num_requests: int
    duration: int

    def get_cache_key(self, request: Request, view) -> str | None:
        username = request.data.get("username") if hasattr(request.data, "get") else None
        if not isinstance(username, str) or not username.strip():
            return None
        ident = hashlib.sha256(username.strip().casefold().encode()).hexdigest()[:32]
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request, view) -> bool:
        """Refuse while the username has had its share of failures; a request that is let through counts nothing."""
        if self.rate is None or (key := self.get_cache_key(request, view)) is None:
            return True
        self.key, self.now = key, self.timer()
        self.history = [at for at in self.cache.get(key, []) if at > self.now - self.duration]
        return len(self.history) < self.num_requests or self.throttle_failure()

    def record_failure(self, request: Request, view) -> None:
        if self.rate is None or (key := self.get_cache_key(request, view)) is None:
            return
        now = self.timer()
        history = [at for at in self.cache.get(key, []) if at > now - self.duration]
        self.cache.set(key, [now, *history], self.duration)
