"""The error shape in the OpenAPI schema, so every documented error response names it.

A view documents the errors it can answer with next to its success response::

    @extend_schema(responses={200: OutputSerializer, **error_responses(404)})

``error_responses`` always adds the errors every operation can give whatever it does (a bad
bearer token, throttling); a view lists the rest. The schema test (``tests/api``) fails on any
status code a view answers with but does not document. The token views of simplejwt, which
modkit serves but does not define, are documented here by drf-spectacular view extensions.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiViewExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers

# Every operation authenticates an optional bearer token (a bad one is refused even where no
# login is needed), and every operation is throttled.
ALWAYS = (401, 429)

DESCRIPTIONS = {
    400: "Invalid input: `validation_error` (`details` names each field), `malformed_json`, "
    "or a module's own code.",
    401: "The bearer token is missing where one is needed, invalid or expired "
    "(`not_authenticated`, `authentication_failed`).",
    403: "The caller may not do this (`permission_denied`).",
    404: "Unknown, or not the caller's to see.",
    409: "The request conflicts with the current state.",
    413: "The request body is too large (`payload_too_large`).",
    415: "The body is not JSON (`unsupported_media_type`).",
    429: "Too many requests (`throttled`); `Retry-After` says when to retry.",
    503: "A module this operation needs is unavailable (`module_unavailable`); see `Retry-After`.",
}

# Operations that read a JSON body can also fail before the view looks at it.
BODY = (400, 413, 415)


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.RegexField(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$", help_text="snake_case")
    message = serializers.CharField(min_length=1, help_text="Human-readable; never empty.")
    details = serializers.DictField(help_text="Machine-readable context; may be empty.")

    class Meta:
        ref_name = "ErrorDetail"


class ErrorSerializer(serializers.Serializer):
    """The one shape of every error response of the API."""

    error = ErrorDetailSerializer()

    class Meta:
        ref_name = "Error"


def error_responses(
    *statuses: int, body: bool = False, descriptions: dict[int, str] | None = None
) -> dict[int, OpenApiResponse]:
    """``extend_schema`` responses for ``statuses`` plus those of every operation (401, 429).

    ``body=True`` adds what any operation reading a JSON body can answer (400, 413, 415).
    ``descriptions`` says, per status, which of the view's own error codes to expect; the
    others get the generic text of ``DESCRIPTIONS``.
    """
    texts = {**DESCRIPTIONS, **(descriptions or {})}
    wanted = sorted({*statuses, *ALWAYS, *(BODY if body else ()), *(descriptions or {})})
    return {
        status: OpenApiResponse(response=ErrorSerializer, description=texts[status])
        for status in wanted
    }


class _TokenObtainErrors(OpenApiViewExtension):
    """Documents the errors of simplejwt's token view, which modkit serves but does not define."""

    target_class = "rest_framework_simplejwt.views.TokenObtainPairView"

    def view_replacement(self) -> type:
        return extend_schema_view(
            post=extend_schema(responses=_token_responses(self.target, "credentials"))
        )(self.target)


class _TokenRefreshErrors(OpenApiViewExtension):
    """Documents the errors of simplejwt's token refresh view."""

    target_class = "rest_framework_simplejwt.views.TokenRefreshView"

    def view_replacement(self) -> type:
        return extend_schema_view(
            post=extend_schema(responses=_token_responses(self.target, "refresh token"))
        )(self.target)


def _token_responses(view: type, what: str) -> dict[int, object]:
    output = view().get_serializer_class()
    errors = error_responses(body=True, descriptions={401: f"Wrong {what}."})
    return {200: output, **errors}
