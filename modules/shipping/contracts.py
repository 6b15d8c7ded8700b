"""Shipping DTOs and domain errors."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from modkit.errors import Conflict, NotFound

STATUSES = ("pending", "shipped", "delivered", "cancelled")


class Shipment(msgspec.Struct, frozen=True, kw_only=True):
    """The parcel of one order (one shipment per order).

    ``status`` is one of STATUSES: ``pending`` → ``shipped`` → ``delivered``, or ``cancelled``
    before shipping. ``tracking_number`` and ``shipped_at`` are set from shipping on; a cancelled
    shipment never had them.
    """

    id: UUID
    order_id: UUID
    customer_id: int
    status: str
    tracking_number: str | None
    created_at: datetime
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None


class ShipmentNotFound(NotFound):
    """No shipment has this id (``details["shipment_id"]``)."""

    code = "shipment_not_found"
    default_message = "Shipment not found."


class ShipmentStateConflict(Conflict):
    """The shipment's status does not allow this (``details["status"]`` says which it is).

    Shipping a cancelled or delivered shipment, or delivering a pending or cancelled one.
    """

    code = "shipment_state_conflict"
    default_message = "The shipment is not in a state that allows this."
