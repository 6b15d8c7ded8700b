"""Reads of inventory state. Writes and their locks live in ``services``."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from django.db.models import F, QuerySet

from .models import Reservation, ReservationLine, StockAdjustment, StockItem


def stock_item_get(*, sku: str) -> StockItem | None:
    return StockItem.objects.filter(sku=sku).first()


def stock_available(*, skus: Iterable[str]) -> dict[str, int]:
    """Units available per known sku; unknown skus are left out."""
    rows = (
        StockItem.objects.filter(sku__in=set(skus))
        .annotate(available_units=F("on_hand") - F("reserved"))
        .values_list("sku", "available_units")
    )
    return dict(rows)


def stock_items() -> QuerySet[StockItem]:
    """Every stock item, annotated with ``available_units`` (sortable and filterable)."""
    return StockItem.objects.annotate(available_units=F("on_hand") - F("reserved"))


def stock_items_low(*, threshold: int) -> QuerySet[StockItem]:
    """Items with fewer than ``threshold`` units available, fewest first."""
    return (
        StockItem.objects.annotate(free=F("on_hand") - F("reserved"))
        .filter(free__lt=threshold)
        .order_by("free", "sku")
    )


def stock_adjustments_recent(*, sku: str, limit: int) -> list[StockAdjustment]:
    return list(StockAdjustment.objects.filter(sku=sku).order_by("-created_at", "-id")[:limit])


def reservation_get(*, order_id: UUID) -> Reservation | None:
    return Reservation.objects.filter(order_id=order_id).first()


def reservation_lines(*, reservation: Reservation) -> list[ReservationLine]:
    return list(reservation.lines.order_by("sku"))


def reservation_ids_expired(*, now: datetime) -> list[int]:
    """Ids of active reservations whose deadline has passed, oldest deadline first."""
    return list(
        Reservation.objects.filter(state=Reservation.State.ACTIVE, expires_at__lte=now)
        .order_by("expires_at", "id")
        .values_list("id", flat=True)
    )
