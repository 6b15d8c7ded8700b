"""``config.urls`` plus ``/bench/bare/``: a Django JSON view that touches nothing."""

from django.http import HttpRequest, JsonResponse
from django.urls import path

from config.urls import handler400, handler403, handler404, handler500
from config.urls import urlpatterns as shop

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]


def bare(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"sku": "BARE-01", "name": "bare", "price": "1.00", "currency": "USD"})


urlpatterns = [path("bench/bare/", bare, name="bench-bare"), *shop]
