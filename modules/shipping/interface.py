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
        """The shipments of one order (empty until the order is paid)."""
        raise NotImplementedError

    def mark_shipped(self, *, shipment_id: UUID) -> Shipment:
        """Hand a pending shipment to the carrier (assigns a tracking number); idempotent for a
        shipped one. Raises ``ShipmentNotFound``, ``ShipmentStateConflict``."""
        raise NotImplementedError

    def mark_delivered(self, *, shipment_id: UUID) -> Shipment:
        """Record delivery of a shipped shipment; idempotent for a delivered one. Raises
        ``ShipmentNotFound``, ``ShipmentStateConflict``."""
        raise NotImplementedError


shipping = delegate(ShippingService)
