"""The local implementation of ``InventoryService``: the one place models become DTOs."""

from __future__ import annotations

from uuid import UUID

from . import selectors, services
from .contracts import Reservation, ReserveLine, StockLevel, UnknownSku
from .interface import InventoryService
from .models import Reservation as ReservationRow
from .models import StockItem


class InventoryServiceImpl(InventoryService):
    def get_stock(self, *, sku: str) -> StockLevel:
        item = selectors.stock_item_get(sku=sku)
        if item is None:
            raise UnknownSku(f"No stock is kept for {sku}.", details={"skus": [sku]})
        return _stock_level(item)

    def get_availability(self, *, skus: list[str]) -> dict[str, int]:
        return selectors.stock_available(skus=skus)

    def reserve(self, *, order_id: UUID, lines: list[ReserveLine]) -> Reservation:
        reservation = services.reservation_create(
            order_id=order_id, lines=[(line.sku, line.quantity) for line in lines]
        )
        return _reservation(reservation)

    def release(self, *, order_id: UUID) -> Reservation:
        return _reservation(services.reservation_release(order_id=order_id))

    def hold(self, *, order_id: UUID) -> Reservation:
        return _reservation(services.reservation_hold(order_id=order_id))

    def commit(self, *, order_id: UUID) -> Reservation:
        return _reservation(services.reservation_commit(order_id=order_id))

    def list_low_stock(self, *, threshold: int) -> list[StockLevel]:
        return [_stock_level(item) for item in selectors.stock_items_low(threshold=threshold)]

    def adjust_stock(self, *, sku: str, delta: int, reason: str) -> StockLevel:
        return _stock_level(services.stock_adjust(sku=sku, delta=delta, reason=reason))


def _stock_level(item: StockItem) -> StockLevel:
    return StockLevel(
        sku=item.sku, on_hand=item.on_hand, reserved=item.reserved, available=item.available
    )


def _reservation(row: ReservationRow) -> Reservation:
    return Reservation(
        order_id=row.order_id,
        state=row.state,
        lines=tuple(
            ReserveLine(sku=line.sku, quantity=line.quantity)
            for line in selectors.reservation_lines(reservation=row)
        ),
        expires_at=row.expires_at,
    )
