"""Selectors: reads of stock and reservations."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from modules.inventory import selectors, services

pytestmark = pytest.mark.django_db


def test_stock_available_leaves_unknown_skus_out(stock) -> None:
    stock("A-1", 5)
    stock("B-2", 3)
    services.reservation_create(order_id=uuid.uuid4(), lines=[("A-1", 2)])

    assert selectors.stock_available(skus=["A-1", "B-2", "NOPE"]) == {"A-1": 3, "B-2": 3}
    assert selectors.stock_available(skus=[]) == {}


def test_stock_items_are_annotated_with_available_units(stock) -> None:
    stock("A-1", 5)
    stock("B-2", 1)
    services.reservation_create(order_id=uuid.uuid4(), lines=[("A-1", 5)])

    rows = selectors.stock_items().order_by("available_units")

    assert [(i.sku, i.available_units) for i in rows] == [("A-1", 0), ("B-2", 1)]


def test_reservation_ids_expired_lists_active_overdue_ones_oldest_first(stock) -> None:
    stock("A-1", 5)
    now = timezone.now()
    late = services.reservation_create(
        order_id=uuid.uuid4(), lines=[("A-1", 1)], now=now - timedelta(hours=2)
    )
    later = services.reservation_create(
        order_id=uuid.uuid4(), lines=[("A-1", 1)], now=now - timedelta(hours=1)
    )
    services.reservation_create(order_id=uuid.uuid4(), lines=[("A-1", 1)], now=now)
    closed = services.reservation_create(
        order_id=uuid.uuid4(), lines=[("A-1", 1)], now=now - timedelta(hours=3)
    )
    services.reservation_release(order_id=closed.order_id)

    assert selectors.reservation_ids_expired(now=now) == [late.pk, later.pk]


def test_stock_adjustments_recent_is_newest_first_and_limited(stock) -> None:
    stock("A-1", 1)
    services.stock_adjust(sku="A-1", delta=2, reason="second")
    services.stock_adjust(sku="A-1", delta=3, reason="third")
    services.stock_adjust(sku="B-2", delta=3, reason="other sku")

    rows = selectors.stock_adjustments_recent(sku="A-1", limit=2)

    assert [a.reason for a in rows] == ["third", "second"]


def test_reservation_get_and_lines(stock, order_id) -> None:
    stock("A-1", 5)
    stock("B-2", 5)
    services.reservation_create(order_id=order_id, lines=[("B-2", 1), ("A-1", 2)])

    reservation = selectors.reservation_get(order_id=order_id)

    assert reservation is not None
    lines = selectors.reservation_lines(reservation=reservation)
    assert [(li.sku, li.quantity) for li in lines] == [("A-1", 2), ("B-2", 1)]
    assert selectors.reservation_get(order_id=uuid.uuid4()) is None
