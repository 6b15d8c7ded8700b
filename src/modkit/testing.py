"""pytest helpers for module tests (loaded with ``pytest_plugins = ["modkit.testing"]``).

- ``transport``: parametrizes a test over the ``local`` and ``loopback`` transports, so every
  interface test also proves its arguments, results and errors survive the wire codec;
- ``swap(module, fake)``: route a module's delegate to a fake for the duration of a block;
- ``postgres``: a marker-like fixture that skips (loudly, so CI fails) without PostgreSQL;
- ``capture_events()`` / ``captured_events``: the events published in a block or a test;
- ``drain()``: run the relay and the handlers in-process until idle, deterministically.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest

from .modules import registry

SERVICE_SKIP_PREFIX = "needs service:"


@contextlib.contextmanager
def swap(module: str, fake: Any) -> Iterator[Any]:
    """Route every call to ``module``'s delegate to ``fake`` inside the block."""
    registry.swap(module, fake)
    try:
        yield fake
    finally:
        registry.unswap(module)


@pytest.fixture(params=["local", "loopback"])
def transport(request: pytest.FixtureRequest, settings: Any) -> str:
    """Run the test once per interface transport."""
    settings.MODKIT_TRANSPORT = request.param
    return request.param


def is_postgres(alias: str = "default") -> bool:
    from django.db import connections

    return connections[alias].vendor == "postgresql"


@pytest.fixture
def postgres() -> None:
    """Skip unless the default database is PostgreSQL (``.ci/run`` fails on such skips)."""
    if not is_postgres():
        pytest.skip(f"{SERVICE_SKIP_PREFIX} PostgreSQL (set DATABASE_URL=postgres://...)")


@pytest.fixture(autouse=True)
def _fresh_registry_and_cache() -> Iterator[None]:
    """Each test starts with unresolved delegates and empty caches (throttle counters)."""
    from django.core.cache import cache

    from .events import subscriptions

    cache.clear()
    yield
    registry.reset()
    subscriptions.reset()


@contextlib.contextmanager
def capture_events() -> Iterator[list[Any]]:
    """Collect every event published inside the block (they are still written to the outbox)."""
    from .events import publishing

    captured: list[Any] = []
    publishing._listeners.append(captured.append)
    try:
        yield captured
    finally:
        publishing._listeners.remove(captured.append)


@pytest.fixture
def captured_events() -> Iterator[list[Any]]:
    """The events published during the test, in order."""
    with capture_events() as captured:
        yield captured


def drain(*, max_rounds: int = 100, include_later: bool = True) -> dict[str, int]:
    """Run relay and handlers in-process until no delivery is pending; deterministic.

    Deliveries are handled one at a time in id order, bypassing the broker; events that handlers
    publish are handled in later rounds. With ``include_later``, deliveries waiting for a retry
    are handled now instead of after their backoff, so a failing handler reaches its dead letter
    within the call. Without it, a retry is handled only if it was due when the call began: a
    handler that fails during the call is tried once, however slow the machine. Returns counts
    by outcome.
    """
    from django.db.models import Q
    from django.utils import timezone

    from .db import module_databases
    from .events.consumer import handle_delivery
    from .models import Delivery

    started = timezone.now()
    outcomes: dict[str, int] = {}
    for _ in range(max_rounds):
        progressed = False
        for alias in module_databases(registry.hosted):
            due = Delivery.objects.using(alias).filter(state=Delivery.State.PENDING)
            if not include_later:
                due = due.filter(Q(attempts=0) | Q(next_attempt_at__lte=started))
            for delivery in due.select_related("event").order_by("id"):
                outcome = handle_delivery(
                    delivery_id=delivery.pk,
                    source=alias,
                    name=delivery.event.name,
                    payload=delivery.event.payload,
                    handler_key=delivery.handler,
                )
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
                progressed = True
        if not progressed:
            return outcomes
    raise RuntimeError(f"drain(): still busy after {max_rounds} rounds (a handler loop?)")


def assert_error_shape(response: Any, status: int, code: str) -> dict[str, Any]:
    """Assert a response is ``status`` with the API's one error shape and ``code``; return the
    error object (``{"code", "message", "details"}``)."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str)
    assert body["error"]["message"]
    assert isinstance(body["error"]["details"], dict)
    return body["error"]
