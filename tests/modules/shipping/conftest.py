from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
from django.db import transaction

from modkit.events import publish
from modkit.models import Delivery
from modkit.testing import drain, swap
from modules.orders.events import OrderCancelled, OrderPaid
from modules.shipping.models import Shipment

from .fakes import FakeOrders

CUSTOMER_ID = 7
CUSTOMER_EMAIL = "ada@example.com"


def deliver(*modules: str) -> dict[str, int]:
    """``drain()`` the pending deliveries to the handlers of ``modules`` only.

    Other subscribers' deliveries (the orders module's own handlers, written elsewhere) are
    marked done untouched, so these tests depend on the orders module's events alone.
    """
    handlers = rf"^({'|'.join(modules)})\."
    Delivery.objects.filter(state=Delivery.State.PENDING).exclude(handler__regex=handlers).update(
        state=Delivery.State.DONE
    )
    return drain()


def redeliver_all() -> None:
    """As if every message came back from the broker: the inbox must absorb the repeats."""
    Delivery.objects.update(state=Delivery.State.PENDING)


def order_paid(
    order_id: uuid.UUID, customer_id: int = CUSTOMER_ID, email: str = CUSTOMER_EMAIL
) -> OrderPaid:
    with transaction.atomic():
        return publish(
            OrderPaid(
                order_id=order_id,
                customer_id=customer_id,
                customer_email=email,
                total=Decimal("19.99"),
                currency="EUR",
            )
        )


def order_cancelled(
    order_id: uuid.UUID, reason: str = "customer_request", customer_id: int = CUSTOMER_ID
) -> OrderCancelled:
    with transaction.atomic():
        return publish(
            OrderCancelled(
                order_id=order_id,
                customer_id=customer_id,
                customer_email=CUSTOMER_EMAIL,
                reason=reason,
            )
        )


@pytest.fixture
def order_id() -> uuid.UUID:
    return uuid.uuid4()


@pytest.fixture
def shipment_of(db) -> Callable[..., Shipment]:
    """The shipment shipping created from an ``OrderPaid`` of a new order (delivered)."""

    def make(customer_id: int = CUSTOMER_ID, email: str = CUSTOMER_EMAIL) -> Shipment:
        order_id = uuid.uuid4()
        order_paid(order_id, customer_id, email)
        deliver("shipping")
        return Shipment.objects.get(order_id=order_id)

    return make


@pytest.fixture
def fake_orders() -> Iterator[FakeOrders]:
    with swap("orders", FakeOrders()) as fake:
        yield fake
