"""The local implementation of ``OrdersService``: the one place models become DTOs."""

from __future__ import annotations

from uuid import UUID

from . import contracts, selectors, services
from .interface import OrdersService
from .models import Order


def order_dto(order: Order) -> contracts.Order:
    """``order`` (with its lines and history, prefetched) as the public DTO."""
    return contracts.Order(
        id=order.pk,
        customer_id=order.customer_id,
        customer_email=order.customer_email,
        status=order.status,
        cancel_reason=order.cancel_reason or None,
        lines=tuple(
            contracts.OrderLine(
                sku=line.sku, name=line.name, unit_price=line.unit_price, quantity=line.quantity
            )
            for line in order.lines.all()
        ),
        total=order.total,
        currency=order.currency,
        created_at=order.created_at,
        history=tuple(
            contracts.HistoryEntry(status=entry.status, at=entry.at, note=entry.note)
            for entry in order.history.all()
        ),
    )


class OrdersServiceImpl(OrdersService):
    def get_order(self, *, order_id: UUID) -> contracts.Order:
        return order_dto(selectors.order_get(order_id=order_id))

    def cancel_order(self, *, order_id: UUID, reason: str) -> contracts.Order:
        return order_dto(services.order_cancel(order_id=order_id, reason=reason))
