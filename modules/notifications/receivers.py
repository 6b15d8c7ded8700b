"""Notifications' handlers: one email to the customer for each order event worth telling.

Each handler runs once per event (the kernel's inbox), and ``services.email_send`` refuses a
second email for the same event and recipient besides. Delivery is at least once: see
``services`` for the one case where an email may be sent twice.
"""

from __future__ import annotations

from modkit.events import subscribe
from modules.orders.events import OrderCancelled, OrderPaid
from modules.shipping.events import ShipmentShipped

from . import services
from .models import EmailLog


@subscribe(OrderPaid)
def email_order_confirmed(event: OrderPaid) -> None:
    services.email_send(
        kind=EmailLog.Kind.ORDER_CONFIRMED,
        order_id=event.order_id,
        recipient=event.customer_email,
        event_id=event.event_id,
        context={"total": event.total, "currency": event.currency},
    )


@subscribe(OrderCancelled)
def email_order_cancelled(event: OrderCancelled) -> None:
    services.email_send(
        kind=EmailLog.Kind.ORDER_CANCELLED,
        order_id=event.order_id,
        recipient=event.customer_email,
        event_id=event.event_id,
        context={"reason": services.cancel_reason_in_words(event.reason)},
    )


@subscribe(ShipmentShipped)
def email_order_shipped(event: ShipmentShipped) -> None:
    services.email_send(
        kind=EmailLog.Kind.ORDER_SHIPPED,
        order_id=event.order_id,
        recipient=event.customer_email,
        event_id=event.event_id,
        context={"tracking_number": event.tracking_number},
    )
