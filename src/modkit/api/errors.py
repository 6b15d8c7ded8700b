"""The one error shape of the public API.

``{"error": {"code": "<snake_case>", "message": "<human text>", "details": {...}}}`` for every
error: validation, auth, 404, 405, 415, throttling, malformed JSON, oversized bodies, domain
errors and unhandled exceptions (a 500 that reveals nothing of the internals).
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response

from ..errors import DomainError, ModuleUnavailable

logger = logging.getLogger("modkit.api")

_CODES = {
    exceptions.ParseError: "malformed_request",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
    exceptions.ValidationError: "validation_error",
}


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def _message_of(detail: Any) -> str:
    if isinstance(detail, list) and detail:
        return _message_of(detail[0])
    if isinstance(detail, dict) and detail:
        key, value = next(iter(detail.items()))
        inner = _message_of(value)
        return inner if key in ("non_field_errors", "detail") else f"{key}: {inner}"
    return str(detail)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """DRF exception handler producing the error shape for every exception."""
    headers: dict[str, str] = {}
    if isinstance(exc, DomainError):
        if isinstance(exc, ModuleUnavailable):
            headers["Retry-After"] = "5"
        return Response(
            error_body(exc.code, exc.message, exc.details), status=exc.http_status, headers=headers
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        return Response(
            error_body("payload_too_large", "The request body is too large."),
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    elif isinstance(exc, SuspiciousOperation):
        return Response(error_body("bad_request", "Bad request."), status=400)

    if isinstance(exc, exceptions.APIException):
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))
        code = _CODES.get(type(exc)) or next(
            (c for t, c in _CODES.items() if isinstance(exc, t)), "error"
        )
        if isinstance(exc, exceptions.ValidationError):
            detail = (
                exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
            )
            return Response(
                error_body(code, _message_of(detail), detail),
                status=exc.status_code,
                headers=headers,
            )
        if isinstance(exc, exceptions.ParseError):
            code = "malformed_json" if "JSON" in str(exc.detail) else code
        return Response(
            error_body(code, _message_of(exc.detail)), status=exc.status_code, headers=headers
        )

    logger.exception("unhandled error in %s", context.get("view").__class__.__name__)
    return Response(
        error_body("internal_error", "An internal error occurred; it has been logged."),
        status=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )


def _json_error(code: str, message: str, status_code: int) -> JsonResponse:
    return JsonResponse(error_body(code, message), status=status_code)


def handler400(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return _json_error("bad_request", "Bad request.", 400)


def handler403(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return _json_error("permission_denied", "You do not have permission to do this.", 403)


def handler404(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return _json_error("not_found", "Not found.", 404)


def handler500(request: HttpRequest) -> JsonResponse:
    return _json_error("internal_error", "An internal error occurred; it has been logged.", 500)
