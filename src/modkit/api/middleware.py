"""Request guards that must act before a view parses anything."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from .errors import error_body


class BodySizeLimitMiddleware:
    """Refuse bodies over ``MODKIT_MAX_BODY_BYTES`` with a 413 before anything reads them.

    DRF's parsers read the raw stream and so bypass ``DATA_UPLOAD_MAX_MEMORY_SIZE``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.limit = settings.MODKIT_MAX_BODY_BYTES

    def __call__(self, request: HttpRequest) -> HttpResponse:
        length = request.META.get("CONTENT_LENGTH") or "0"
        try:
            too_big = int(length) > self.limit
        except ValueError:
            return JsonResponse(
                error_body("bad_request", "Invalid Content-Length header."), status=400
            )
        if too_big:
            return JsonResponse(
                error_body(
                    "payload_too_large",
                    f"The request body is too large (limit {self.limit} bytes).",
                    {"limit": self.limit},
                ),
                status=413,
            )
        return self.get_response(request)
