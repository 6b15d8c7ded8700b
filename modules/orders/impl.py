"""The local implementation of OrdersService (being built)."""

from __future__ import annotations

from uuid import UUID

from .contracts import Order
from .interface import OrdersService


class OrdersServiceImpl(OrdersService):
    def get_order(self, *, order_id: UUID) -> Order:
        raise NotImplementedError

    def cancel_order(self, *, order_id: UUID, reason: str) -> Order:
        raise NotImplementedError
