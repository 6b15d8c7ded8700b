"""The inventory module's public interface and its delegate, ``inventory``."""

from __future__ import annotations

from uuid import UUID

from modkit.interfaces import Interface, delegate, operation

from .contracts import Reservation, ReserveLine, StockLevel


class InventoryService(Interface):
    """Stock per sku, and all-or-nothing reservations of it for orders."""

    module = "inventory"

    @operation(idempotent=True)
    def get_stock(self, *, sku: str) -> StockLevel:
        """The stock level of one sku. Raises ``UnknownSku``."""
        raise NotImplementedError

    @operation(idempotent=True)
    def get_availability(self, *, skus: list[str]) -> dict[str, int]:
        """Units available per sku, for the skus that have stock (unknown skus are left out)."""
        raise NotImplementedError

    @operation(idempotent=True)
    def reserve(self, *, order_id: UUID, lines: list[ReserveLine]) -> Reservation:
        """Reserve every line for ``order_id`` or nothing.

        Idempotent per order: reserving again for an order with an active reservation returns
        it unchanged. Raises ``InsufficientStock``, ``UnknownSku``, ``InvalidQuantity``; and
        ``ReservationClosed`` if the order's reservation was already released or committed.
        The reservation expires after ``MODKIT_RESERVATION_TTL_SECONDS`` unless committed.
        """
        raise NotImplementedError

    @operation(idempotent=True)
    def release(self, *, order_id: UUID) -> Reservation:
        """Return an active reservation's stock. Idempotent: releasing twice is a no-op.

        Raises ``ReservationNotFound``, or ``ReservationClosed`` if it was committed.
        """
        raise NotImplementedError

    @operation(idempotent=True)
    def commit(self, *, order_id: UUID) -> Reservation:
        """Turn an active reservation into a stock decrement (goods left). Idempotent.

        Raises ``ReservationNotFound``, or ``ReservationClosed`` if it was released.
        """
        raise NotImplementedError

    def adjust_stock(self, *, sku: str, delta: int, reason: str) -> StockLevel:
        """Add (or with a negative ``delta`` remove) units on hand; creates the sku's stock.

        Audited with ``reason``. Raises ``InvalidQuantity`` if on hand would drop below
        what is reserved. Not idempotent: each call adjusts again.
        """
        raise NotImplementedError


inventory = delegate(InventoryService)
