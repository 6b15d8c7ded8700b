"""Events the shipping module publishes."""

from __future__ import annotations

from uuid import UUID

from modkit.events import Event


class ShipmentShipped(Event, frozen=True, kw_only=True):
    """Staff handed the parcel to the carrier; ``tracking_number`` is the carrier's reference.

    ``customer_email`` is the address the order was placed with, so a consumer can notify the
    customer without calling the customers module.
    """

    shipment_id: UUID
    order_id: UUID
    customer_id: int
    customer_email: str
    tracking_number: str


class ShipmentDelivered(Event, frozen=True, kw_only=True):
    """The carrier delivered the parcel (staff recorded it)."""

    shipment_id: UUID
    order_id: UUID
