"""Events the orders module publishes."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from modkit.events import Event


class OrderPlaced(Event, frozen=True, kw_only=True):
    """A customer placed an order (status ``pending``); the saga starts from here."""

    order_id: UUID
    customer_id: int


class OrderPaid(Event, frozen=True, kw_only=True):
    """Stock is reserved and the payment authorized: the order can be shipped."""

    order_id: UUID
    customer_id: int
    customer_email: str
    total: Decimal
    currency: str


class OrderCancelled(Event, frozen=True, kw_only=True):
    """The order was cancelled; ``reason`` is one of CANCEL_REASONS. Stock is released and any
    payment refunded by the orders module's own handler of this event."""

    order_id: UUID
    customer_id: int
    customer_email: str
    reason: str


class OrderStatusChanged(Event, frozen=True, kw_only=True):
    """The order entered ``status`` (every transition, for read models and audit)."""

    order_id: UUID
    status: str
