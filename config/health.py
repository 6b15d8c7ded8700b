"""Operational endpoints: liveness (process up) and readiness (dependencies reachable)."""

from django.http import HttpRequest, JsonResponse
from django.urls import path
from health_check.views import MainView


def live(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("live/", live, name="health-live"),
    path("ready/", MainView.as_view(), name="health-ready"),
]
