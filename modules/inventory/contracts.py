"""Inventory DTOs and domain errors: what crosses the module boundary."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from modkit.errors import Conflict, DomainError, NotFound


class StockLevel(msgspec.Struct, frozen=True, kw_only=True):
    """Stock of one sku: ``available = on_hand - reserved``."""

    sku: str
    on_hand: int
    reserved: int
    available: int


class ReserveLine(msgspec.Struct, frozen=True, kw_only=True):
    """One sku and a positive quantity to reserve."""

    sku: str
    quantity: int


class Reservation(msgspec.Struct, frozen=True, kw_only=True):
    """Stock held for one order. ``state`` is ``active``, ``committed`` or ``released``."""

    order_id: UUID
    state: str
    lines: tuple[ReserveLine, ...]
    expires_at: datetime | None  # None once held (paid): it no longer expires


class UnknownSku(NotFound):
    """No stock is kept for this sku. ``details["skus"]`` lists the unknown ones."""

    code = "unknown_sku"
    default_message = "Unknown sku."


class InsufficientStock(Conflict):
    """Not enough available stock; nothing was reserved.

    ``details["skus"]`` lists the short skus; ``details["requested"]`` and
    ``details["available"]`` give the units asked for and available for each of them.
    """

    code = "insufficient_stock"
    default_message = "Not enough stock."


class InvalidQuantity(DomainError):
    """A quantity was not a positive integer, a sku was repeated, or there were no lines.

    ``details["skus"]`` lists the offending skus (for ``adjust_stock``: see its docstring).
    """

    code = "invalid_quantity"
    default_message = "Quantities must be positive integers."


class ReservationNotFound(NotFound):
    """No reservation exists for this order."""

    code = "reservation_not_found"
    default_message = "No reservation for this order."


class ReservationClosed(Conflict):
    """The reservation was already released (cannot commit) or committed (cannot release)."""

    code = "reservation_closed"
    default_message = "The reservation is already closed."
