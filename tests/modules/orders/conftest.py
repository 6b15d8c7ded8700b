from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from model_bakery import baker
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from modkit.events import publishing
from modkit.models import Delivery
from modkit.testing import swap
from modules.customers.contracts import Customer
from modules.customers.interface import customers
from modules.inventory.interface import inventory
from modules.orders import services
from modules.orders.models import Order

from .fakes import FakeNotifications, FakePayments, FakeShipping

PASSWORD = "plum-kettle-42-river"
ADDRESS = {
    "name": "Ada Lovelace",
    "line1": "12 St James's Square",
    "city": "London",
    "postal_code": "SW1Y 4JH",
    "country": "GB",
}


@pytest.fixture(autouse=True)
def orders_handlers_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the orders module's handlers are subscribed in these tests.

    Payments and shipping are fakes here, so their modules' own handlers (and notifications')
    must not react to the orders' events; tests/e2e runs the modules together.
    """
    real = publishing.subscribers_of
    monkeypatch.setattr(
        publishing,
        "subscribers_of",
        lambda name: [s for s in real(name) if s.module == "orders"],
    )


@pytest.fixture
def payments_fake() -> Iterator[FakePayments]:
    with swap("payments", FakePayments()) as fake:
        yield fake


@pytest.fixture
def shipping_fake() -> Iterator[FakeShipping]:
    with swap("shipping", FakeShipping()) as fake:
        yield fake


@pytest.fixture
def notifications_fake() -> Iterator[FakeNotifications]:
    with swap("notifications", FakeNotifications()) as fake:
        yield fake


@pytest.fixture
def product(db) -> Callable[..., Any]:
    """A catalog product (``active``, priced in EUR unless told), with ``stock`` units."""
    category = baker.make("catalog.Category", slug="teas", name="Teas")

    def make(
        sku: str, price: str = "10.00", stock: int = 10, currency: str = "EUR", **fields: Any
    ) -> Any:
        made = baker.make(
            "catalog.Product",
            sku=sku,
            name=f"Product {sku}",
            price=Decimal(price),
            currency=currency,
            category=category,
            **fields,
        )
        if stock:
            inventory.adjust_stock(sku=sku, delta=stock, reason="test stock")
        return made

    return make


@pytest.fixture
def register(db) -> Callable[..., Customer]:
    def make(email: str = "ada@example.com", name: str = "Ada") -> Customer:
        return customers.register(email=email, password=PASSWORD, name=name)

    return make


@pytest.fixture
def customer(register) -> Customer:
    return register()


def bearer(user_id: int) -> str:
    return f"Bearer {AccessToken.for_user(get_user_model().objects.get(pk=user_id))}"


@pytest.fixture
def api() -> APIClient:
    return APIClient(raise_request_exception=False)


@pytest.fixture
def client_of(api) -> Callable[[Customer], APIClient]:
    """An API client holding ``customer``'s bearer token."""

    def make(customer: Customer) -> APIClient:
        client = APIClient(raise_request_exception=False)
        client.credentials(HTTP_AUTHORIZATION=bearer(customer.user_id))
        return client

    return make


@pytest.fixture
def place(customer) -> Callable[..., Order]:
    """Place an order through the service (as the API does), for ``customer`` unless told."""

    def make(
        *lines: tuple[str, int], token: str = "tok_ok", who: Customer | None = None, **kw: Any
    ) -> Order:
        who = who or customer
        order, _ = services.order_place(
            customer_id=who.id,
            customer_email=who.email,
            lines=list(lines) or [("TEA-1", 1)],
            shipping_address=ADDRESS,
            payment_token=token,
            **kw,
        )
        return order

    return make


def order_body(*lines: tuple[str, int], **overrides: Any) -> dict[str, Any]:
    return {
        "lines": [{"sku": sku, "quantity": qty} for sku, qty in (lines or [("TEA-1", 2)])],
        "shipping_address": dict(ADDRESS),
        "payment_token": "tok_ok",
        **overrides,
    }


def deliveries(handler: str) -> list[Delivery]:
    return list(Delivery.objects.filter(handler=handler).order_by("id"))


def statuses(order: Order) -> list[str]:
    return list(order.history.order_by("at", "id").values_list("status", flat=True))
