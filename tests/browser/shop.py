"""What the browser tests share: Debian's chromium, the shop's public API as a client, waiting.

Everything the tests do goes through HTTP: the admin through chromium (Playwright's sync API),
the customer's side through the public API (httpx). The fixtures are in ``conftest.py``.

Chromium is Debian's (``/usr/bin/chromium``; ``MODKIT_CHROMIUM`` points elsewhere): Playwright's
own browser download is not used. A missing browser fails the tests, naming the install command,
rather than skipping them: ``make test`` installs it when it can.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

try:
    from playwright.sync_api import Browser, Page, expect, sync_playwright
except ImportError:  # reported by require_chromium(), with the fix, when a test starts
    sync_playwright = expect = None  # type: ignore[assignment]
    Browser = Page = Any  # type: ignore[assignment,misc]

# Re-exported for the fixtures and tests, so that a missing package fails through
# require_chromium() with the fix rather than as an import error.
__all__ = ["Browser", "Page", "expect", "sync_playwright"]

CHROMIUM = Path(os.environ.get("MODKIT_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
INSTALL_CHROMIUM = "apt-get update && apt-get install -y chromium"

ADMIN_USER = "admin"
ADMIN_PASSWORD = "browser-admin-" + uuid.uuid4().hex[:12]
CUSTOMER_PASSWORD = "plum-kettle-42-river"
ADDRESS = {
    "name": "Ada Browser",
    "line1": "1 Test Street",
    "city": "Berlin",
    "postal_code": "10115",
    "country": "de",
}
# The machine running the tests may be busy: generous bounds, polled often.
SAGA_TIMEOUT = 90.0
UI_TIMEOUT_MS = 30_000


def require_chromium() -> Path:
    if not CHROMIUM.exists():
        pytest.fail(
            f"the browser tests need Debian's chromium at {CHROMIUM}, which is missing: install "
            f"it with `{INSTALL_CHROMIUM}` (as root; `make test` and .ci/run do this), or point "
            "MODKIT_CHROMIUM at a chromium binary",
            pytrace=False,
        )
    if sync_playwright is None:
        pytest.fail(
            "the browser tests need the playwright package: .venv/bin/pip install -e '.[dev]' "
            "(only the Python package; its browser download is not used)",
            pytrace=False,
        )
    return CHROMIUM


def wait_for(
    what: str, probe: Callable[[], Any], timeout: float = SAGA_TIMEOUT, every: float = 0.3
) -> Any:
    """Poll ``probe`` until it returns something truthy; fail naming ``what`` and its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {timeout:.0f}s (last seen: {value!r})")
        time.sleep(every)


@dataclass
class Customer:
    email: str
    headers: dict[str, str]


class ShopApi:
    """The public API, as a customer's client (or anyone's) uses it."""

    def __init__(self, base_url: str) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=30)

    def close(self) -> None:
        self.http.close()

    def _ok(self, response: httpx.Response, status: int = 200) -> Any:
        assert response.status_code == status, (
            f"{response.request.method} {response.request.url} answered "
            f"{response.status_code}: {response.text[:500]}"
        )
        return response.json()

    def register_customer(self) -> Customer:
        email = f"browser-{uuid.uuid4().hex[:10]}@example.com"
        body = {"email": email, "password": CUSTOMER_PASSWORD, "name": "Ada Browser"}
        self._ok(self.http.post("/api/v1/customers/", json=body), 201)
        login = {"username": email, "password": CUSTOMER_PASSWORD}
        token = self._ok(self.http.post("/api/v1/auth/token/", json=login))["access"]
        return Customer(email=email, headers={"Authorization": f"Bearer {token}"})

    def available(self, sku: str) -> int:
        return self._ok(self.http.get(f"/api/v1/inventory/stock/{sku}/"))["available"]

    def place_order(self, customer: Customer, sku: str, quantity: int) -> dict[str, Any]:
        body = {
            "lines": [{"sku": sku, "quantity": quantity}],
            "shipping_address": ADDRESS,
            "payment_token": "tok_ok",
        }
        return self._ok(self.http.post("/api/v1/orders/", json=body, headers=customer.headers), 201)

    def order(self, customer: Customer, order_id: str) -> dict[str, Any]:
        return self._ok(self.http.get(f"/api/v1/orders/{order_id}/", headers=customer.headers))

    def shipments(self, customer: Customer, order_id: str) -> list[dict[str, Any]]:
        url = f"/api/v1/shipping/shipments/?order={order_id}"
        return self._ok(self.http.get(url, headers=customer.headers))["results"]

    def wait_for_status(self, customer: Customer, order_id: str, status: str) -> dict[str, Any]:
        seen: dict[str, Any] = {}

        def reached() -> dict[str, Any] | None:
            seen.update(self.order(customer, order_id))
            return seen if seen["status"] == status else None

        wait_for(f"order {order_id} to become {status}", reached)
        # Not stuck elsewhere on the way: a cancelled order never comes back.
        return seen

    def paid_order(self, customer: Customer, sku: str, quantity: int) -> dict[str, Any]:
        """Place an order with ``tok_ok`` and wait until the saga has it paid."""
        placed = self.place_order(customer, sku, quantity)
        assert placed["status"] == "pending", placed
        return self.wait_for_status(customer, placed["id"], "paid")


def log_in(page: Page, username: str = ADMIN_USER, password: str = ADMIN_PASSWORD) -> None:
    """Through the admin's login form, as staff do."""
    page.goto("/admin/")
    assert "/admin/login/" in page.url, page.url
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
