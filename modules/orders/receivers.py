"""The orders saga, driven by events (docs/shop.md).

Each handler runs in a transaction with its inbox entry, so it takes effect once per event; a
handler that raises (a module it needs is unreachable) is retried with backoff. Every call it
makes to another module is idempotent per order id, so a retry never reserves or charges twice.
"""

from __future__ import annotations

from modkit.events import subscribe
from modules.orders.events import OrderCancelled, OrderPlaced
from modules.shipping.events import ShipmentDelivered, ShipmentShipped

from . import services


@subscribe(OrderPlaced)
def advance_placed_order(event: OrderPlaced) -> None:
    """Reserve the stock, then authorize the payment (or cancel the order)."""
    services.order_advance(order_id=event.order_id)


# Compensation: two handlers, so that each is retried on its own; stock goes back on sale at
# once even while the payment gateway is unreachable and the refund waits for it.
@subscribe(OrderCancelled)
def release_cancelled_order_stock(event: OrderCancelled) -> None:
    services.order_release_stock(order_id=event.order_id)


@subscribe(OrderCancelled)
def refund_cancelled_order(event: OrderCancelled) -> None:
    services.order_refund_payment(order_id=event.order_id)


@subscribe(ShipmentShipped)
def record_shipment_shipped(event: ShipmentShipped) -> None:
    services.order_mark_shipped(
        order_id=event.order_id,
        note=f"shipment {event.shipment_id}, tracking {event.tracking_number}",
    )


@subscribe(ShipmentDelivered)
def record_shipment_delivered(event: ShipmentDelivered) -> None:
    services.order_mark_delivered(order_id=event.order_id, note=f"shipment {event.shipment_id}")
