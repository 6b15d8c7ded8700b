"""Readiness: every database this process uses and the broker, one JSON entry per check.

Built on django-health-check's view and its database check; the broker check is ours, because
the library's Celery checks need a running worker, and a web process is ready without one.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from health_check.backends import HealthCheck
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView


@dataclasses.dataclass
class BrokerCheck(HealthCheck):
    """The Celery broker accepts a connection within ``timeout`` seconds."""

    timeout: float = 3.0

    def check_status(self) -> None:
        from celery import current_app

        try:
            with current_app.connection_for_write() as connection:
                connection.ensure_connection(max_retries=1, timeout=self.timeout)
        except Exception as exc:
            raise ServiceUnavailable(f"broker unreachable: {type(exc).__name__}: {exc}") from exc

    def __repr__(self) -> str:
        return "broker"


def readiness_checks() -> list[tuple[str, dict[str, Any]] | type[HealthCheck]]:
    checks: list[Any] = [("health_check.Database", {"alias": a}) for a in settings.DATABASES]
    checks.append("modkit.health.BrokerCheck")
    return checks


class ReadinessView(HealthCheckView):
    """``GET /health/ready/``: 200 when every check passes, else 503; always JSON."""

    @method_decorator(never_cache)
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
        failed = self.check(None)
        body = {
            "status": "unavailable" if failed else "ok",
            "checks": {label: p.pretty_status() for label, p in self.filter_plugins().items()},
        }
        return JsonResponse(body, status=503 if failed else 200)
