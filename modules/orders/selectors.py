"""Orders reads."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.utils import timezone

from modkit.db import module_databases
from modkit.models import Delivery
from modkit.modules import registry

from .contracts import OrderNotFound
from .models import Order

# Orders whose money is taken (or was, and the goods went out): what "revenue" counts.
CENT = Decimal("0.01")
REVENUE_STATUSES = (Order.Status.PAID, Order.Status.SHIPPED, Order.Status.DELIVERED)


def parse_order_id(value: Any) -> uuid.UUID:
    """``value`` as an order id; raises ``OrderNotFound`` for anything that is not a UUID."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise OrderNotFound(details={"order_id": str(value)[:64]}) from None


ORDER_DETAILS = ("lines", "history")  # what an order's answer shows besides the order


def _with_details(orders: QuerySet[Order]) -> QuerySet[Order]:
    return orders.prefetch_related(*ORDER_DETAILS)


def order_get(*, order_id: uuid.UUID | str) -> Order:
    """The order with its lines and history; raises ``OrderNotFound``."""
    oid = parse_order_id(order_id)
    try:
        return _with_details(Order.objects.all()).get(pk=oid)
    except Order.DoesNotExist:
        raise OrderNotFound(details={"order_id": str(oid)}) from None


def order_get_for_customer(*, order_id: uuid.UUID | str, customer_id: int) -> Order:
    """The customer's own order; raises ``OrderNotFound`` for another customer's, too."""
    oid = parse_order_id(order_id)
    try:
        return _with_details(Order.objects.filter(customer_id=customer_id)).get(pk=oid)
    except Order.DoesNotExist:
        raise OrderNotFound(details={"order_id": str(oid)}) from None


def order_list_for_customer(*, customer_id: int) -> QuerySet[Order]:
    """The customer's orders, newest first, with lines and history prefetched."""
    return _with_details(Order.objects.filter(customer_id=customer_id)).order_by(
        "-created_at", "-id"
    )


def order_by_idempotency_key(*, customer_id: int, key: str) -> Order | None:
    """The order the customer created with ``Idempotency-Key: key``, if any."""
    return _with_details(Order.objects.filter(customer_id=customer_id, idempotency_key=key)).first()


@dataclass(frozen=True)
class Dashboard:
    """The shop's figures at one moment (the admin dashboard)."""

    since: datetime
    orders_today: int
    revenue_today: dict[str, Decimal]  # by currency
    by_status: dict[str, int]  # every status, 0 included
    awaiting_shipment: int


def dashboard(*, now: datetime | None = None) -> Dashboard:
    """Orders placed today (local midnight), today's revenue by currency, and counts by status."""
    now = now or timezone.now()
    since = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    today = Order.objects.filter(created_at__gte=since)
    revenue = (
        today.filter(status__in=REVENUE_STATUSES)
        .order_by()
        .values("currency")
        .annotate(amount=Sum("total"))
    )
    counts = dict(Order.objects.order_by().values_list("status").annotate(n=Count("id")))
    return Dashboard(
        since=since,
        orders_today=today.count(),
        revenue_today={
            row["currency"]: Decimal(row["amount"]).quantize(CENT)
            for row in revenue.order_by("currency")
        },
        by_status={status: counts.get(status, 0) for status in Order.Status.values},
        awaiting_shipment=counts.get(Order.Status.PAID, 0),
    )


def dead_letter_count() -> int:
    """Event deliveries parked as dead letters, on every database this process hosts."""
    return sum(
        Delivery.objects.using(alias).filter(state=Delivery.State.DEAD).count()
        for alias in module_databases(registry.hosted)
    )
