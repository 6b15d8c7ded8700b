"""Operational endpoints: liveness (process up) and readiness (dependencies reachable)."""

from django.http import HttpRequest, JsonResponse
from django.urls import path

from modkit.health import ReadinessView, readiness_checks


def live(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("live/", live, name="health-live"),
    path("ready/", ReadinessView.as_view(checks=readiness_checks()), name="health-ready"),
]
