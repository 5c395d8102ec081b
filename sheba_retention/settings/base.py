"""Settings shared by every environment. Every value comes through `env`; defaults run without any server."""

import datetime as dt
from pathlib import Path
from typing import Any

from sheba_retention.env import BASE_DIR, env

SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-local-only-key-change-me")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # third party
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "django_htmx",
    "template_partials",
    "import_export",
    "django_celery_beat",
    "axes",
    # ours: one app per domain
    "customers",
    "predictions",
    "loyalty",
    "interventions",
    "notifications",
    "payments",
    "accounts",
    "analytics",
]

MIDDLEWARE = [
    # First: its request id is on every line logged while the request runs, its time covers the whole request.
    "sheba_retention.common.middleware.RequestLogMiddleware",
    "sheba_retention.common.middleware.ApiNotFoundMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication: a signed-in user's portal pages are in the language they chose.
    "accounts.middleware.PreferredLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "sheba_retention.urls"
WSGI_APPLICATION = "sheba_retention.wsgi.application"
ASGI_APPLICATION = "sheba_retention.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "accounts.context_processors.portal_nav",
            ],
            # The portals' figures and dates in the active language (sheba_retention/common/formatting.py).
            "libraries": {"portal": "sheba_retention.common.templatetags.portal"},
        },
    },
]

# Database: SQLite file by default, PostgreSQL (or any dj-database-url) when DATABASE_URL is set.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the dev server read while a management command writes; a busy timeout instead of "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache and Celery: Redis when REDIS_URL is set, otherwise local memory and eager tasks.
REDIS_URL = env("REDIS_URL", default="")
# Short timeouts: with Redis unreachable a request must still answer within a second.
REDIS_CONNECT_TIMEOUT = env.float("REDIS_CONNECT_TIMEOUT", default=0.25)
REDIS_TIMEOUT = env.float("REDIS_TIMEOUT", default=0.5)


def redis_cache(location: str) -> dict:
    """A Redis cache that degrades to no cache (every read a miss, writes dropped, a warning logged) while Redis is
    unreachable: django-redis's IGNORE_EXCEPTIONS. Throttle counters live here too, so they fail open meanwhile."""
    return {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": location,
        "OPTIONS": {
            "SOCKET_CONNECT_TIMEOUT": REDIS_CONNECT_TIMEOUT,
            "SOCKET_TIMEOUT": REDIS_TIMEOUT,
            "IGNORE_EXCEPTIONS": True,
        },
    }


DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
DJANGO_REDIS_LOGGER = "sheba_retention.cache"
if REDIS_URL:
    CACHES = {"default": redis_cache(REDIS_URL)}
    CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
    CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=REDIS_URL)
    CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "sheba-retention"}}
    CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="memory://")
    CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default="cache+memory://")
    CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "Asia/Dhaka"
# A task is acknowledged when it has finished, not when it starts, and handed back to the queue when the process
# running it dies (SIGKILL, out of memory): every task is idempotent, so running one twice is safe, losing one is not.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=15 * 60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=20 * 60)
# A message taken by a worker that vanished (the whole worker killed) goes back to the queue after this long. It must
# exceed the longest task's hard time limit, or a task still running would be delivered twice; tests check it does.
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=40 * 60)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    # How often a worker looks for such messages: every 10 s (kombu's default throttle makes it every 100 s).
    "unacked_restore_interval": 10,
    "unacked_restore_throttle": 1,
    "socket_connect_timeout": REDIS_CONNECT_TIMEOUT * 4,
    "socket_timeout": 10,  # above the worker's one-second BRPOP
}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": REDIS_CONNECT_TIMEOUT * 4,
    "retry_policy": {"timeout": 2.0},
}
# A web request that queues a task must not wait for a broker that is down: one quick try, then the caller decides
# (sheba_retention.common.tasks.task_enqueue).
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_CONNECT_TIMEOUT * 4
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.1, "interval_max": 0.1}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Workers log through LOGGING (masking, JSON in production) instead of replacing the root logger's handlers.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# One login page for everyone; each role then lands on its portal (accounts.views.home).
LOGIN_URL = "login"
# django-axes checks every login first: after AXES_FAILURE_LIMIT failures for one username from one address, that
# pair is locked out for AXES_COOLOFF_MINUTES (the admin's form and POST /api/auth/token/ alike; 429, Retry-After).
# A username alone is not locked, or anyone could lock anyone out; the API's per-username throttle brakes guessing
# one account's password from many addresses.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True  # keep failed attempts only, not a trail of every login's address and browser
AXES_CLIENT_IP_CALLABLE = "sheba_retention.common.lockout.client_ip"
AXES_LOCKOUT_CALLABLE = "sheba_retention.common.lockout.lockout_response"

# Language and time: English and Bengali; stored in UTC, shown in Dhaka time.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("bn", "বাংলা")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Before logging in, the language switch remembers the choice in this browser for a year (after, with the user).
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
TIME_ZONE = "Asia/Dhaka"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Our static/ and the apps' (django-htmx ships htmx there), plus plotly.js from the installed plotly package.
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "sheba_retention.common.staticfiles.PackageFilesFinder",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "media/"
# Trained model artifacts live here (absolute path; the registry never loads from a relative path).
MODEL_ARTIFACTS_DIR = Path(env("MODEL_ARTIFACTS_DIR", default=str(BASE_DIR / "var" / "models"))).resolve()
# Customers per scoring chunk of the nightly run: one task, one transaction each, spread over the workers.
SCORING_CHUNK_SIZE = env.int("SCORING_CHUNK_SIZE", default=25_000)

REST_FRAMEWORK: dict[str, Any] = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an anonymous request then gets 401 with WWW-Authenticate, not a bare 403.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "sheba_retention.common.api.pagination.PagePagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "sheba_retention.common.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "sheba_retention.common.api.errors.exception_handler",
    # Every endpoint: per user when signed in, per client IP when not. Views with their own brakes (login,
    # redeeming a code, gateway callbacks) name their own classes and scopes. Rates are requests/(s|min|hour|day).
    "DEFAULT_THROTTLE_CLASSES": [
        "sheba_retention.common.api.throttling.AnonRateThrottle",
        "sheba_retention.common.api.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_THROTTLE_ANON_RATE", default="60/min"),
        "user": env("API_THROTTLE_USER_RATE", default="1200/min"),
        "login_ip": env("LOGIN_THROTTLE_IP_RATE", default="30/min"),
        "login_username": env("LOGIN_THROTTLE_USERNAME_RATE", default="10/hour"),
    },
    # How many proxies of ours add to X-Forwarded-For: the client's address is the entry the nearest one added.
    # None (unset): REMOTE_ADDR, the right choice when nothing sits in front of the app.
    "NUM_PROXIES": env.int("DJANGO_NUM_PROXIES", default=None),
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Sheba Retention AI API",
    "DESCRIPTION": (
        "Churn predictions, interventions and the marketplace data behind them. "
        "Authenticate with a session (browser) or `Authorization: Token <key>` (mobile apps; "
        "get a key from POST /api/auth/token/). Errors always have the body "
        '`{"error": {"code": ..., "message": ..., "details": ...}}`.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a "status"; name each choice set after its own domain.
    "ENUM_NAME_OVERRIDES": {
        "BookingStatusEnum": "customers.models.BookingStatus",
        "InterventionStatusEnum": "interventions.models.InterventionStatus",
        "NotificationStatusEnum": "notifications.models.NotificationStatus",
        "TransactionStatusEnum": "payments.models.TransactionStatus",
        "LoyaltyTierEnum": "loyalty.models.LoyaltyTier.Name",
    },
}

IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
# CSV imports (import_customers, import_bookings, the admin's Import CSV): the dates a file may hold. A booking and a
# customer's joining are things that have happened, so none is later than the time of the import plus a tolerance for
# a source system's clock running ahead; none is earlier than IMPORT_EARLIEST_DATE (midnight in Dhaka).
IMPORT_EARLIEST_DATE = dt.date.fromisoformat(env("IMPORT_EARLIEST_DATE", default="2000-01-01"))
IMPORT_FUTURE_TOLERANCE_MINUTES = env.int("IMPORT_FUTURE_TOLERANCE_MINUTES", default=60)

# Logs: one structured line per record on stderr, readable text here and JSON in production (LOG_FORMAT), each with
# its request id; phones, e-mail addresses and long numbers masked and long messages cut short on every handler
# (sheba_retention/common/logs.py). Runserver's access lines go the same way; the request log is
# sheba_retention.requests.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"personal_data": {"()": "sheba_retention.common.logs.PersonalDataFilter"}},
    "formatters": {
        "structured": {
            "()": "sheba_retention.common.logs.StructuredFormatter",
            "json_lines": env("LOG_FORMAT", default="plain") == "json",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "structured", "filters": ["personal_data"]}
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "weasyprint.progress": {"level": "WARNING"},  # seven lines per PDF report, one per rendering step
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# Payments
# Per-gateway secrets that sign payment callbacks (HMAC-SHA256). The defaults only suit local runs and tests.
PAYMENTS_GATEWAY_SECRETS = {
    "bkash": env("PAYMENTS_BKASH_CALLBACK_SECRET", default="insecure-bkash-callback-secret"),
    "nagad": env("PAYMENTS_NAGAD_CALLBACK_SECRET", default="insecure-nagad-callback-secret"),
    "bank": env("PAYMENTS_BANK_CALLBACK_SECRET", default="insecure-bank-callback-secret"),
}
# Where gateways send the customer back and post callbacks: the public origin of this site.
PAYMENTS_CALLBACK_BASE_URL = env("PAYMENTS_CALLBACK_BASE_URL", default="http://127.0.0.1:8000")
# Mock gateways: share of calls that time out or are declined (0 to 1), and the seed that makes them repeatable.
PAYMENTS_MOCK_TIMEOUT_RATE = env.float("PAYMENTS_MOCK_TIMEOUT_RATE", default=0.0)
PAYMENTS_MOCK_FAILURE_RATE = env.float("PAYMENTS_MOCK_FAILURE_RATE", default=0.0)
PAYMENTS_MOCK_SEED = env.int("PAYMENTS_MOCK_SEED", default=0)
# Redeem attempts per user: a brake on guessing codes.
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {
    **REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
    "code_redeem": env("PAYMENTS_REDEEM_RATE", default="30/min"),
    # Gateways post from a few addresses: more than the anonymous rate, still a brake on a flood of forged callbacks.
    "payment_callback": env("PAYMENTS_CALLBACK_RATE", default="600/min"),
}
# End of Payments

# Notifications ------------------------------------------------------------------------------------------------
# One backend class per channel (dotted path); the defaults are in-process mocks, so nothing leaves the machine.
# Plug a real gateway in by pointing a channel at a class with the notifications.backends.NotificationBackend API.
NOTIFICATION_BACKENDS = {
    "sms": env("NOTIFICATION_SMS_BACKEND", default="notifications.backends.MockSmsBackend"),
    "email": env("NOTIFICATION_EMAIL_BACKEND", default="notifications.backends.DjangoEmailBackend"),
    "push": env("NOTIFICATION_PUSH_BACKEND", default="notifications.backends.MockPushBackend"),
}
NOTIFICATION_FROM_EMAIL = env("NOTIFICATION_FROM_EMAIL", default="Sheba Retention <no-reply@sheba.example>")
# SMS: the masking sender id customers see (at most 11 letters/digits) and the provider's price per segment.
SMS_SENDER_ID = env("SMS_SENDER_ID", default="ShebaXYZ")
SMS_COST_PER_SEGMENT_TK = env.float("SMS_COST_PER_SEGMENT_TK", default=0.35)
# Mock gateways only: share of sends that time out (0..1) and numbers that are blocked (DND) for good.
SMS_MOCK_FAILURE_RATE = env.float("SMS_MOCK_FAILURE_RATE", default=0.0)
SMS_MOCK_BLOCKED_NUMBERS = env.list("SMS_MOCK_BLOCKED_NUMBERS", default=[])
PUSH_MOCK_FAILURE_RATE = env.float("PUSH_MOCK_FAILURE_RATE", default=0.0)
# End of notifications -----------------------------------------------------------------------------------------
