"""Fixtures of the API-wide tests: seeded data, a customer's token, in-process WSGI calls."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from django.utils.module_loading import import_string

from modkit.modules import registry

from .checks import ServerErrorLog

CUSTOMER = {"email": "schemathesis@example.com", "password": "plum-kettle-42-river", "name": "Fuzz"}


@pytest.fixture
def wsgi_shares_test_transaction() -> Iterator[None]:
    """Let requests sent straight to the WSGI application see and keep the test's data.

    Django's WSGI handler closes "old" connections when a request starts and ends, which inside
    the test's transaction would drop that transaction (on PostgreSQL). Django's own test client
    detaches the same receiver for the same reason.
    """
    _detach_close_old_connections()
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def seeded(db: None) -> None:
    """The demo data of every hosted module, through each module's own ``seed`` (in dependency
    order, as ``manage.py seed`` does): products, stock, and whatever modules land later."""
    for spec in registry.ordered(registry.hosted):
        if spec.config.seed:
            import_string(spec.config.seed)(stdout=io.StringIO())


def _detach_close_old_connections() -> None:
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)


@pytest.fixture
def customer_headers(db: None) -> dict[str, str]:
    """The ``Authorization`` header of a customer registered and logged in through the API."""
    client = Client(raise_request_exception=False)
    registered = client.post("/api/v1/customers/", CUSTOMER, content_type="application/json")
    assert registered.status_code == 201, registered.content
    login = {"username": CUSTOMER["email"], "password": CUSTOMER["password"]}
    token = client.post("/api/v1/auth/token/", login, content_type="application/json")
    assert token.status_code == 200, token.content
    # The test client re-attaches close_old_connections after each of its requests, which would
    # make the next direct WSGI call drop the test's transaction (on PostgreSQL): detach again.
    _detach_close_old_connections()
    return {"Authorization": f"Bearer {token.json()['access']}"}


@pytest.fixture
def server_errors() -> Iterator[ServerErrorLog]:
    """The tracebacks the server logs while the test runs (shown with any 5xx)."""
    handler = ServerErrorLog()
    root = logging.getLogger()
    root.addHandler(handler)
    yield handler
    root.removeHandler(handler)
