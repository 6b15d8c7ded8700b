from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.db import transaction

from modkit.events import Event, publish
from modkit.models import Delivery
from modkit.testing import drain
from modules.orders.events import OrderCancelled, OrderPaid
from modules.shipping.events import ShipmentShipped

CUSTOMER_EMAIL = "ada@example.com"


def deliver(modules: tuple[str, ...] = ("notifications",)) -> dict[str, int]:
    """``drain()`` the pending deliveries to the handlers of ``modules`` only.

    Other subscribers' deliveries (the orders module's own handlers, written elsewhere; and
    shipping's unless asked for) are marked done untouched: these tests depend on the events
    alone.
    """
    handlers = rf"^({'|'.join(modules)})\."
    Delivery.objects.filter(state=Delivery.State.PENDING).exclude(handler__regex=handlers).update(
        state=Delivery.State.DONE
    )
    return drain()


def redeliver() -> None:
    """As if every message came back from the broker: the inbox must absorb the repeats."""
    Delivery.objects.filter(handler__startswith="notifications.").update(
        state=Delivery.State.PENDING
    )


def published(event: Event) -> Event:
    with transaction.atomic():
        return publish(event)


def order_paid(order_id: uuid.UUID, email: str = CUSTOMER_EMAIL) -> OrderPaid:
    return published(
        OrderPaid(
            order_id=order_id,
            customer_id=7,
            customer_email=email,
            total=Decimal("19.99"),
            currency="EUR",
        )
    )


def order_cancelled(order_id: uuid.UUID, reason: str) -> OrderCancelled:
    return published(
        OrderCancelled(
            order_id=order_id, customer_id=7, customer_email=CUSTOMER_EMAIL, reason=reason
        )
    )


def shipment_shipped(
    order_id: uuid.UUID, tracking_number: str = "MK0123456789AB"
) -> ShipmentShipped:
    return published(
        ShipmentShipped(
            shipment_id=uuid.uuid4(),
            order_id=order_id,
            customer_id=7,
            customer_email=CUSTOMER_EMAIL,
            tracking_number=tracking_number,
        )
    )


@pytest.fixture
def order_id() -> uuid.UUID:
    return uuid.uuid4()
