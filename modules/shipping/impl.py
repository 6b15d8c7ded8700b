"""The local implementation of ShippingService (being built)."""

from __future__ import annotations

from uuid import UUID

from .contracts import Shipment
from .interface import ShippingService


class ShippingServiceImpl(ShippingService):
    def shipments_of_order(self, *, order_id: UUID) -> list[Shipment]:
        raise NotImplementedError

    def mark_shipped(self, *, shipment_id: UUID) -> Shipment:
        raise NotImplementedError

    def mark_delivered(self, *, shipment_id: UUID) -> Shipment:
        raise NotImplementedError
