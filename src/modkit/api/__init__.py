"""Conventions every module's REST API shares: the error shape, pagination, auth."""

# Registers the schema extensions that document the token views' errors; every process serving
# the API loads this package (its middleware, exception handler and paginator live here).
from . import schema  # noqa: F401
