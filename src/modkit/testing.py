"""pytest helpers for module tests (loaded with ``pytest_plugins = ["modkit.testing"]``).

- ``transport``: parametrizes a test over the ``local`` and ``loopback`` transports, so every
  interface test also proves its arguments, results and errors survive the wire codec;
- ``swap(module, fake)``: route a module's delegate to a fake for the duration of a block;
- ``postgres``: a marker-like fixture that skips (loudly, so CI fails) without PostgreSQL.
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

    cache.clear()
    yield
    registry.reset()
