"""Production: everything from the environment, and insecure values refused at start."""

from modkit.conf import exit_on_configuration_error
from modkit.errors import ConfigurationError

from .base import *  # noqa: F403
from .base import DEV_RPC_SECRET, DEV_SECRET_KEY, env

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
MODKIT_RPC_SECRET = env.str("MODKIT_RPC_SECRET", default="")


def _refuse_insecure() -> None:
    if DEBUG:
        raise ConfigurationError("DEBUG is on in production: unset DEBUG or set DEBUG=false")
    if not SECRET_KEY or SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 50:
        raise ConfigurationError(
            "SECRET_KEY is missing or insecure: set SECRET_KEY to a random string of 50+ characters"
        )
    if not ALLOWED_HOSTS or "*" in ALLOWED_HOSTS:
        raise ConfigurationError(
            "ALLOWED_HOSTS is empty or '*': set ALLOWED_HOSTS to the host names this site serves"
        )
    if not MODKIT_RPC_SECRET or MODKIT_RPC_SECRET == DEV_RPC_SECRET or len(MODKIT_RPC_SECRET) < 32:
        raise ConfigurationError(
            "MODKIT_RPC_SECRET is missing or insecure: set it to a random string of 32+ characters"
        )


try:
    _refuse_insecure()
except ConfigurationError as exc:
    exit_on_configuration_error(exc)

SIMPLE_JWT = {**SIMPLE_JWT, "SIGNING_KEY": env.str("JWT_SIGNING_KEY", default=SECRET_KEY)}  # noqa: F405
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_REDIRECT_EXEMPT = [r"^health/", r"^metrics$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
LOGGING = {**LOGGING, "root": {"handlers": ["console"], "level": LOG_LEVEL}}  # noqa: F405
