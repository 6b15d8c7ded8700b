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
        it unchanged (whatever ``lines`` say this time). Raises ``InvalidQuantity`` (no lines,
        a quantity not a positive integer, a sku on two lines), ``UnknownSku``,
        ``InsufficientStock`` (nothing is held), and ``ReservationClosed`` if the order's
        reservation was already released, expired or committed. Never oversells, also under
        concurrent calls. The reservation is released when ``MODKIT_RESERVATION_TTL_SECONDS``
        have passed unless it is committed first (the release runs every minute, so a commit
        just after ``expires_at`` may still succeed; it holds the units until then).
        """
        raise NotImplementedError

    @operation(idempotent=True)
    def release(self, *, order_id: UUID) -> Reservation:
        """Return an active reservation's stock. Idempotent: releasing twice is a no-op.

        Releasing an expired (already released) reservation returns it as it is.
        Raises ``ReservationNotFound``, or ``ReservationClosed`` if it was committed.
        """
        raise NotImplementedError

    @operation(idempotent=True)
    def hold(self, *, order_id: UUID) -> Reservation:
        """Keep an active reservation until commit or release: it stops expiring (call it once
        the order is paid). Idempotent. Raises ``ReservationNotFound``, or ``ReservationClosed``
        if it was already released (or expired)."""
        raise NotImplementedError

    @operation(idempotent=True)
    def commit(self, *, order_id: UUID) -> Reservation:
        """Turn an active reservation into a stock decrement (goods left). Idempotent.

        Each line is recorded in the stock audit trail with the order id. Raises
        ``ReservationNotFound``, or ``ReservationClosed`` if it was released or expired.
        """
        raise NotImplementedError

    @operation(idempotent=True)
    def list_low_stock(self, *, threshold: int) -> list[StockLevel]:
        """Skus with fewer than ``threshold`` units available, fewest first (for dashboards)."""
        raise NotImplementedError

    def adjust_stock(self, *, sku: str, delta: int, reason: str) -> StockLevel:
        """Add (or with a negative ``delta`` remove) units on hand; creates the sku's stock.

        Audited with ``reason``. Raises ``InvalidQuantity`` if on hand would drop below
        what is reserved (``details``: ``sku``, ``delta``, ``on_hand``, ``reserved``) or
        ``delta`` is not a whole number. Not idempotent: each call adjusts again.
        """
        raise NotImplementedError


inventory = delegate(InventoryService)
