"""Shipping's handlers of the orders' events: a paid order gets a shipment, a cancelled one
loses it while it is still pending.

Each runs once per event (the kernel's inbox) and is idempotent besides; the order in which
the two events arrive does not matter (see ``services``).
"""

from __future__ import annotations

from modkit.events import subscribe
from modules.orders.events import OrderCancelled, OrderPaid

from . import services


@subscribe(OrderPaid)
def create_shipment(event: OrderPaid) -> None:
    services.shipment_create(
        order_id=event.order_id,
        customer_id=event.customer_id,
        customer_email=event.customer_email,
    )


@subscribe(OrderCancelled)
def cancel_shipment(event: OrderCancelled) -> None:
    services.shipment_cancel(
        order_id=event.order_id,
        customer_id=event.customer_id,
        customer_email=event.customer_email,
    )
