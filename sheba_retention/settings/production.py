"""Production: refuses to start without its secrets, secure cookies and HTTPS."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

SECRET_KEY = env("DJANGO_SECRET_KEY")
if SECRET_KEY.startswith("insecure"):
    raise ImproperlyConfigured("Set DJANGO_SECRET_KEY to a long random value in production.")
DEBUG = False
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# HSTS: browsers use only https for a year, on every subdomain too, and the domain may go on their preload lists
# (`check --deploy` passes with these; lower them only while first trying https out on a new domain).
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=365 * 24 * 60 * 60)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
# Behind one proxy (the platform's router, which also sets X-Forwarded-Proto above): throttles and lockouts take the
# client's address from the X-Forwarded-For entry it added. Set 0 when clients reach gunicorn directly.
REST_FRAMEWORK["NUM_PROXIES"] = env.int("DJANGO_NUM_PROXIES", default=1) or None  # noqa: F405
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
# JSON lines for the log collector.
LOGGING["formatters"]["structured"]["json_lines"] = env("LOG_FORMAT", default="json") == "json"  # type: ignore[index]  # noqa: F405

# Payment gateway callbacks are verified with these secrets: the insecure local defaults must never reach production.
for _gateway, _secret in PAYMENTS_GATEWAY_SECRETS.items():  # noqa: F405
    if not _secret or _secret.startswith("insecure"):
        raise ImproperlyConfigured(f"Set PAYMENTS_{_gateway.upper()}_CALLBACK_SECRET in production.")
