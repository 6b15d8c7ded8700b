"""Shipping DTOs and domain errors."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from modkit.errors import Conflict, NotFound


class Shipment(msgspec.Struct, frozen=True, kw_only=True):
    """``status``: ``pending`` → ``shipped`` → ``delivered``, or ``cancelled`` before shipping."""

    id: UUID
    order_id: UUID
    customer_id: int
    status: str
    tracking_number: str | None
    created_at: datetime
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None


class ShipmentNotFound(NotFound):
    code = "shipment_not_found"
    default_message = "Shipment not found."


class ShipmentStateConflict(Conflict):
    """The shipment is not in a state that allows this (``details["status"]``)."""

    code = "shipment_state_conflict"
    default_message = "The shipment is not in a state that allows this."
