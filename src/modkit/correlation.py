"""Correlation and causation ids: from the request, through calls and events, into log lines.

A correlation id names one piece of work end to end (a request and everything it causes); a
causation id names the event being handled. Both live in context variables, so they follow the
code path without being passed around: the request middleware sets the correlation id, the
event consumer sets both from the event it handles, ``publish()`` stamps them on new events,
Celery messages carry them in their headers, and a logging filter puts them on every record.
"""

from __future__ import annotations

import contextlib
import logging
import re
import uuid
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

from django.http import HttpRequest, HttpResponse

correlation_id: ContextVar[str | None] = ContextVar("modkit_correlation_id", default=None)
causation_id: ContextVar[str | None] = ContextVar("modkit_causation_id", default=None)

HEADER = "X-Correlation-ID"
_META_KEYS = ("HTTP_X_CORRELATION_ID", "HTTP_X_REQUEST_ID")
_VALID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def new_id() -> str:
    return uuid.uuid4().hex


@contextlib.contextmanager
def bound(*, correlation: str | None, causation: str | None = None) -> Iterator[None]:
    """Set both ids for the duration of a block (a task, a handler)."""
    t1 = correlation_id.set(correlation)
    t2 = causation_id.set(causation)
    try:
        yield
    finally:
        correlation_id.reset(t1)
        causation_id.reset(t2)


class CorrelationMiddleware:
    """Take the caller's correlation id (or make one), and echo it on the response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = next((request.META[k] for k in _META_KEYS if k in request.META), "")
        cid = given if _VALID.match(given) else new_id()
        request.correlation_id = cid  # type: ignore[attr-defined]
        with bound(correlation=cid):
            response = self.get_response(request)
        response[HEADER] = cid
        return response


class CorrelationFilter(logging.Filter):
    """Adds ``correlation_id`` and ``causation_id`` to every log record ("-" when unset)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.correlation_id = correlation_id.get() or "-"
        record.causation_id = causation_id.get() or "-"
        return True


# Celery's own protocol has a ``correlation_id`` (it is the task id), so ours need other names.
CORRELATION_HEADER = "modkit_correlation_id"
CAUSATION_HEADER = "modkit_causation_id"


def celery_headers() -> dict[str, Any]:
    """The headers a Celery message carries for the current context."""
    return {CORRELATION_HEADER: correlation_id.get(), CAUSATION_HEADER: causation_id.get()}


def connect_celery_signals() -> None:
    """Stamp outgoing task messages with the ids and restore them around task execution."""
    from celery import signals

    def before_publish(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
        if headers is not None and correlation_id.get() is not None:
            headers.setdefault(CORRELATION_HEADER, correlation_id.get())
            headers.setdefault(CAUSATION_HEADER, causation_id.get())

    tokens: dict[str, tuple[Any, Any]] = {}

    def prerun(task_id: str | None = None, task: Any = None, **kwargs: Any) -> None:
        request = getattr(task, "request", None)
        cid = getattr(request, CORRELATION_HEADER, None) if request else None
        cause = getattr(request, CAUSATION_HEADER, None) if request else None
        if task_id:
            tokens[task_id] = (correlation_id.set(cid), causation_id.set(cause))

    def postrun(task_id: str | None = None, **kwargs: Any) -> None:
        saved = tokens.pop(task_id or "", None)
        if saved:
            correlation_id.reset(saved[0])
            causation_id.reset(saved[1])

    signals.before_task_publish.connect(before_publish, weak=False, dispatch_uid="modkit-cid-pub")
    signals.task_prerun.connect(prerun, weak=False, dispatch_uid="modkit-cid-prerun")
    signals.task_postrun.connect(postrun, weak=False, dispatch_uid="modkit-cid-postrun")
