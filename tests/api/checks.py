"""Checks of every API response beyond schemathesis' own: the one error shape, and no 5xx."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from typing import Any

from schemathesis import CheckContext, Response
from schemathesis.checks import CheckFunction
from schemathesis.generation.case import Case

SNAKE_CASE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")


def error_shape_problems(body: Any) -> Iterator[str]:
    """What keeps ``body`` from being exactly ``{"error": {"code", "message", "details"}}``."""
    if not isinstance(body, dict) or set(body) != {"error"}:
        yield 'the body must be an object with the single key "error"'
        return
    error = body["error"]
    if not isinstance(error, dict) or set(error) != {"code", "message", "details"}:
        yield 'body["error"] must have exactly the keys "code", "message" and "details"'
        return
    if not isinstance(error["code"], str) or not SNAKE_CASE.match(error["code"]):
        yield f"code must be a snake_case string, got {error['code']!r}"
    if not isinstance(error["message"], str) or not error["message"].strip():
        yield f"message must be a non-empty string, got {error['message']!r}"
    if not isinstance(error["details"], dict):
        yield f"details must be an object, got {error['details']!r}"


def error_shape(ctx: CheckContext, response: Response, case: Case) -> None:
    """Every 4xx and 5xx response carries the API's one error shape (CONTRACT §5)."""
    if response.status_code < 400:
        return
    try:
        body = json.loads(response.content)
    except ValueError:
        raise AssertionError(
            f"{response.status_code} with a body that is not JSON: {response.content[:300]!r}"
        ) from None
    problems = list(error_shape_problems(body))
    if problems:
        raise AssertionError(
            f"{response.status_code} without the error shape: {'; '.join(problems)}\n"
            f"body: {json.dumps(body)[:500]}"
        )


class ServerErrorLog(logging.Handler):
    """Keeps the last traceback the server logged, to show it with the 5xx it caused.

    The API's exception handler (and Django, for errors outside a view) log the exception of
    a 500 before answering; the response itself reveals nothing of it, by design.
    """

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.last: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            traceback = logging.Formatter().formatException(record.exc_info)
            self.last = f"{record.getMessage()}\n{traceback}"

    def forget(self) -> None:
        self.last = None


def no_server_error(log: ServerErrorLog) -> CheckFunction:
    """A check that fails on any 5xx, naming the request and showing the server's traceback."""

    def no_server_error(ctx: CheckContext, response: Response, case: Case) -> None:
        if response.status_code >= 500:
            raise AssertionError(
                f"{case.method} {case.formatted_path} answered {response.status_code}: no "
                "request may make the API fail (CONTRACT §5: a 4xx for bad input).\n"
                f"Server traceback:\n{log.last or '(none was logged)'}"
            )

    return no_server_error
