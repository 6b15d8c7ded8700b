"""Settings shared by every environment, read from the environment with django-environ.

See CONTRACT §3 for the variables. Environment-specific modules (``dev``, ``test``,
``production``) import this and adjust; ``production`` refuses insecure values.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import environ

from modkit import conf as modkit_conf
from modkit.errors import ConfigurationError

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("MODKIT_VAR_DIR", BASE_DIR / "var"))

env = environ.Env()

DEV_SECRET_KEY = "dev-insecure-modkit-secret-key-change-me-in-production-0123456789"
SECRET_KEY = env.str("SECRET_KEY", default=DEV_SECRET_KEY)
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])

# --- modules ---------------------------------------------------------------------------
# The package holding the modules; only tests point it elsewhere (at a package of test modules).
MODKIT_MODULES_PACKAGE = env.str("MODKIT_MODULES_PACKAGE", default="modules")
try:
    MODKIT = modkit_conf.load(os.environ, package=MODKIT_MODULES_PACKAGE)
except ConfigurationError as exc:
    modkit_conf.exit_on_configuration_error(exc)
MODKIT_HOSTED = MODKIT.hosted
MODKIT_REMOTES = MODKIT.remotes
MODKIT_TRANSPORT = MODKIT.transport
MODKIT_DATABASES = {name: name for name in MODKIT.databases if name in MODKIT.hosted}
DEV_RPC_SECRET = "dev-insecure-rpc-secret"
MODKIT_RPC_SECRET = env.str("MODKIT_RPC_SECRET", default=DEV_RPC_SECRET)
MODKIT_MAX_BODY_BYTES = env.int("MODKIT_MAX_BODY_BYTES", default=256 * 1024)
MODKIT_RESERVATION_TTL_SECONDS = env.int("MODKIT_RESERVATION_TTL_SECONDS", default=15 * 60)
# Seconds a product page is kept in the cache (modules/catalog/pages.py; 0: not kept).
CATALOG_PAGE_CACHE_SECONDS = env.float("CATALOG_PAGE_CACHE_SECONDS", default=2.0)
# How long the order saga keeps retrying an unreachable payment gateway before cancelling.
ORDERS_PAYMENT_DEADLINE_SECONDS = env.int("ORDERS_PAYMENT_DEADLINE_SECONDS", default=60)
# Events (docs/events.md): retries, dead letters, and the relay's pace.
MODKIT_EVENTS_MAX_ATTEMPTS = env.int("MODKIT_EVENTS_MAX_ATTEMPTS", default=8)
MODKIT_EVENTS_BACKOFF_BASE = env.float("MODKIT_EVENTS_BACKOFF_BASE", default=1.0)
MODKIT_EVENTS_BACKOFF_MAX = env.float("MODKIT_EVENTS_BACKOFF_MAX", default=300.0)
MODKIT_EVENTS_RESEND_AFTER = env.float("MODKIT_EVENTS_RESEND_AFTER", default=60.0)
MODKIT_EVENTS_POLL_INTERVAL = env.float("MODKIT_EVENTS_POLL_INTERVAL", default=1.0)
MODKIT_EVENTS_BATCH_SIZE = env.int("MODKIT_EVENTS_BATCH_SIZE", default=500)
MODKIT_EVENTS_DELIVERIES_PER_MESSAGE = env.int("MODKIT_EVENTS_DELIVERIES_PER_MESSAGE", default=10)
# The outbox, not the broker, redelivers a lost delivery (docs/events.md): a worker acknowledges
# a delivery's message as its handler starts, and takes the next one while the handler runs.
MODKIT_EVENTS_ACKS_LATE = env.bool("MODKIT_EVENTS_ACKS_LATE", default=False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "health_check",
    "django_prometheus",
    "modkit",
    *MODKIT.installed_apps,
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "modkit.correlation.CorrelationMiddleware",
    "modkit.api.middleware.BodySizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- databases -------------------------------------------------------------------------
SQLITE_OPTIONS = {
    # IMMEDIATE takes the write lock at BEGIN, so concurrent read-modify-write
    # transactions queue up instead of failing at upgrade time.
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}


def database(url: str) -> dict:
    config = env.db_url_config(url)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config.setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
    else:
        config.setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
        config.setdefault("CONN_HEALTH_CHECKS", True)
    return config


DATABASES = {
    "default": database(env.str("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"))
}
for _name, _url in MODKIT.databases.items():
    if _name in MODKIT.hosted:
        DATABASES[_name] = database(_url)
DATABASE_ROUTERS = ["modkit.db.ModuleRouter"]
# Throttling counters and other shared caches; set CACHE_URL=redis://... with several web processes.
# A redis:// URL selects django-redis' backend (django-environ picks it when it is installed, and it
# is a dependency): it keeps one client per process, where Django's own builds one per call.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]

# --- i18n, static ------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# --- REST API ----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTStatelessUserAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "modkit.api.pagination.StrictLimitOffsetPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "modkit.api.errors.exception_handler",
    # The anon rate per client address, the user rate per authenticated user (one cache
    # history per request instead of AnonRateThrottle's and UserRateThrottle's two).
    "DEFAULT_THROTTLE_CLASSES": ["modkit.api.throttling.ClientRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("THROTTLE_ANON", default="600/min"),
        "user": env.str("THROTTLE_USER", default="1200/min"),
    },
    "UNAUTHENTICATED_USER": None,
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "SIGNING_KEY": env.str("JWT_SIGNING_KEY", default=SECRET_KEY),
    "AUTH_HEADER_TYPES": ("Bearer",),
    "UPDATE_LAST_LOGIN": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "modkit shop API",
    "DESCRIPTION": "The public REST API of the modkit reference shop.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
}

# --- Celery ------------------------------------------------------------------------------
# The embedded default is kombu's filesystem transport: no server, shared by every process
# of `manage.py serve` through a directory (see docs/decisions.md).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
BROKER_DIR = VAR_DIR / "broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    for _folder in ("queue", "processed", "control"):
        (BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_TASK_ACKS_LATE = True
# Celery's Django fixup closes the database connection around every task unless told to reuse
# it; reconnecting cost about a fifth of a worker's time per event delivery (docs/performance.md).
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1000)
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    f"{name}.{entry}": {**spec, "options": {"queue": MODKIT.modules[name].queue}}
    for name in MODKIT.hosted
    for entry, spec in MODKIT.modules[name].config.periodic_tasks.items()
}
CELERY_TASK_ROUTES = {
    f"{MODKIT.modules[name].package}.*": {"queue": MODKIT.modules[name].queue}
    for name in MODKIT.hosted
}

# --- email --------------------------------------------------------------------------------
# SMTP by environment (EMAIL_URL=smtp+tls://user:password@host:587); console in development.
_email = env.email_url("EMAIL_URL", default="smtp://localhost:25")
EMAIL_HOST, EMAIL_PORT = _email["EMAIL_HOST"], _email["EMAIL_PORT"]
EMAIL_HOST_USER, EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_USER"], _email["EMAIL_HOST_PASSWORD"]
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default=_email["EMAIL_BACKEND"])
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="shop@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Emails go out inside an event handler's transaction: never wait on a hung server for long.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)

# --- logging -----------------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"correlation": {"()": "modkit.correlation.CorrelationFilter"}},
    "formatters": {
        "plain": {
            "format": "%(asctime)s %(levelname)s %(name)s [cid=%(correlation_id)s "
            "cause=%(causation_id)s] %(message)s"
        }
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["correlation"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
