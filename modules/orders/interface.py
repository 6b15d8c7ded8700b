"""The orders module's public interface and its delegate, ``orders``."""

from __future__ import annotations

from uuid import UUID

from modkit.interfaces import Interface, delegate, operation

from .contracts import Order


class OrdersService(Interface):
    """Orders and their lifecycle (the saga is driven by events; see docs/shop.md)."""

    module = "orders"

    @operation(idempotent=True)
    def get_order(self, *, order_id: UUID) -> Order:
        """One order with lines and history. Raises ``OrderNotFound``."""
        raise NotImplementedError

    def cancel_order(self, *, order_id: UUID, reason: str) -> Order:
        """Cancel before shipment (staff or customer); stock is released and payment refunded
        asynchronously. ``reason`` is one of ``CANCEL_REASONS``. Not idempotent: cancelling a
        cancelled order raises. Raises ``OrderNotFound``, ``OrderNotCancellable``
        (``details["status"]``), ``InvalidOrder`` (an unknown reason)."""
        raise NotImplementedError


orders = delegate(OrdersService)
