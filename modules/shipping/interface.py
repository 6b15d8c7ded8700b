"""The shipping module's public interface and its delegate, ``shipping``."""

from __future__ import annotations

from uuid import UUID

from modkit.interfaces import Interface, delegate, operation

from .contracts import Shipment


class ShippingService(Interface):
    """Shipments of paid orders."""

    module = "shipping"

    @operation(idempotent=True)
    def shipments_of_order(self, *, order_id: UUID) -> list[Shipment]:
        """The shipments of one order: at most one, and none until shipping has heard that the
        order was paid or cancelled (events arrive shortly after the order changes)."""
        raise NotImplementedError

    def mark_shipped(self, *, shipment_id: UUID) -> Shipment:
        """Hand a pending shipment to the carrier: assigns a tracking number and publishes
        ``ShipmentShipped``. Idempotent: a shipped one is returned unchanged (no second event).
        Raises ``ShipmentNotFound``, ``ShipmentStateConflict`` (cancelled or delivered)."""
        raise NotImplementedError

    def mark_delivered(self, *, shipment_id: UUID) -> Shipment:
        """Record delivery of a shipped shipment and publish ``ShipmentDelivered``. Idempotent: a
        delivered one is returned unchanged (no second event). Raises ``ShipmentNotFound``,
        ``ShipmentStateConflict`` (pending or cancelled)."""
        raise NotImplementedError


shipping = delegate(ShippingService)
