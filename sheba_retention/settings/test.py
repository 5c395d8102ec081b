"""Test settings: fast hashing, in-memory email, eager Celery unless a broker is configured."""

from pathlib import Path

from .base import *  # noqa: F403
from .base import BASE_DIR, env, redis_cache

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MODEL_ARTIFACTS_DIR = Path(env("MODEL_ARTIFACTS_DIR", default=str(BASE_DIR / "var" / "test-models"))).resolve()
# Throttles and lockouts off: no default throttle classes, no rate for the views that name their own (login,
# callbacks), no django-axes. Tests of them turn them on (tests/test_throttling.py).
REST_FRAMEWORK = {  # noqa: F405
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_CLASSES": [],
    "DEFAULT_THROTTLE_RATES": {
        **REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],  # noqa: F405
        "login_ip": None,
        "login_username": None,
        "payment_callback": None,
    },
}
AXES_ENABLED = False

# With Redis, each pytest-xdist worker gets its own Redis database: tests clear the cache (FLUSHDB), and one
# worker's flush must not wipe another's throttle counters mid-test.
if REDIS_URL:  # noqa: F405
    import os
    from urllib.parse import urlsplit, urlunsplit

    _worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    _database = int(_worker[2:]) + 1 if _worker[2:].isdigit() else 9
    CACHES = {"default": redis_cache(urlunsplit(urlsplit(REDIS_URL)._replace(path=f"/{_database}")))}  # noqa: F405
