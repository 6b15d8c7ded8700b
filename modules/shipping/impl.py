"""The local implementation of ``ShippingService``: the one place models become DTOs."""

from __future__ import annotations

from uuid import UUID

from . import selectors, services
from .contracts import Shipment
from .interface import ShippingService
from .models import Shipment as ShipmentRow


class ShippingServiceImpl(ShippingService):
    def shipments_of_order(self, *, order_id: UUID) -> list[Shipment]:
        return [_shipment(row) for row in selectors.shipments_of_order(order_id=order_id)]

    def mark_shipped(self, *, shipment_id: UUID) -> Shipment:
        return _shipment(services.shipment_mark_shipped(shipment_id=shipment_id))

    def mark_delivered(self, *, shipment_id: UUID) -> Shipment:
        return _shipment(services.shipment_mark_delivered(shipment_id=shipment_id))


def _shipment(row: ShipmentRow) -> Shipment:
    return Shipment(
        id=row.pk,
        order_id=row.order_id,
        customer_id=row.customer_id,
        status=row.status,
        tracking_number=row.tracking_number,
        created_at=row.created_at,
        shipped_at=row.shipped_at,
        delivered_at=row.delivered_at,
    )
