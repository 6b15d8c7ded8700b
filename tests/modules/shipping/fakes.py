"""A fake orders module for shipping tests: ``get_order``, the one operation shipping calls."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from modkit.errors import ModuleUnavailable
from modules.orders.contracts import Order, OrderNotFound


@dataclass
class FakeOrders:
    """Orders by id, each with its customer; ``unavailable=True`` fails like a dead remote."""

    customers: dict[uuid.UUID, int] = field(default_factory=dict)
    unavailable: bool = False
    calls: list[uuid.UUID] = field(default_factory=list)

    def get_order(self, *, order_id: uuid.UUID) -> Order:
        self.calls.append(order_id)
        if self.unavailable:
            raise ModuleUnavailable("orders: connection refused (fake)")
        if order_id not in self.customers:
            raise OrderNotFound(f"No order {order_id} (fake).")
        return Order(
            id=order_id,
            customer_id=self.customers[order_id],
            customer_email="someone@example.com",
            status="reserved",
            cancel_reason=None,
            lines=(),
            total=Decimal("10.00"),
            currency="EUR",
            created_at=timezone.now(),
            history=(),
        )
