"""Reservations under real concurrency on PostgreSQL: no overselling, no deadlocks.

Each thread has its own database connection (Django connections are per thread) and closes
it at the end, so the test database can be dropped afterwards.
"""

from __future__ import annotations

import random
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection

from modules.inventory import services
from modules.inventory.contracts import (
    InsufficientStock,
    ReservationClosed,
    ReserveLine,
    StockLevel,
)
from modules.inventory.interface import inventory
from modules.inventory.models import Reservation, ReservationLine, StockAdjustment, StockItem

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _run_concurrently(n: int, work: Callable[[int, threading.Barrier], Any]) -> list[Any]:
    """Run ``work(i, barrier)`` in ``n`` threads started together; their results, in order."""
    barrier = threading.Barrier(n, timeout=30)

    def run(i: int) -> Any:
        try:
            return work(i, barrier)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


class _Watcher(threading.Thread):
    """Reads the stock rows in a loop and keeps the lowest availability it ever saw."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.lowest: int | None = None
        self.reads = 0

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                for on_hand, reserved in StockItem.objects.values_list("on_hand", "reserved"):
                    available = on_hand - reserved
                    self.lowest = available if self.lowest is None else min(self.lowest, available)
                self.reads += 1
        finally:
            connection.close()


def test_twenty_buyers_for_the_last_ten_units(postgres) -> None:
    services.stock_adjust(sku="LAST", delta=10, reason="the last ones")
    watcher = _Watcher()
    watcher.start()

    def buy(i: int, barrier: threading.Barrier) -> str:
        barrier.wait()
        try:
            inventory.reserve(order_id=uuid.uuid4(), lines=[ReserveLine(sku="LAST", quantity=1)])
        except InsufficientStock:
            return "short"
        return "reserved"

    try:
        outcomes = Counter(_run_concurrently(20, buy))
    finally:
        watcher.stop.set()
        watcher.join(timeout=30)

    assert outcomes == {"reserved": 10, "short": 10}
    assert inventory.get_stock(sku="LAST") == StockLevel(
        sku="LAST", on_hand=10, reserved=10, available=0
    )
    assert Reservation.objects.filter(state="active").count() == 10
    assert watcher.reads > 0
    assert watcher.lowest is not None
    assert watcher.lowest >= 0


def test_the_same_order_reserved_concurrently_is_held_once(postgres) -> None:
    services.stock_adjust(sku="A-1", delta=10, reason="delivery")
    order_id = uuid.uuid4()

    def reserve(i: int, barrier: threading.Barrier) -> Any:
        barrier.wait()
        return inventory.reserve(order_id=order_id, lines=[ReserveLine(sku="A-1", quantity=3)])

    results = _run_concurrently(8, reserve)

    assert len(set(results)) == 1
    assert inventory.get_stock(sku="A-1").reserved == 3
    assert Reservation.objects.count() == 1


def test_release_racing_commit_closes_the_reservation_once(postgres) -> None:
    services.stock_adjust(sku="A-1", delta=10, reason="delivery")
    order_ids = [uuid.uuid4() for _ in range(10)]
    for order_id in order_ids:
        inventory.reserve(order_id=order_id, lines=[ReserveLine(sku="A-1", quantity=1)])

    def close(i: int, barrier: threading.Barrier) -> str:
        operation = inventory.commit if i % 2 else inventory.release
        barrier.wait()
        try:
            return operation(order_id=order_ids[i // 2]).state
        except ReservationClosed:
            return "refused"

    outcomes = _run_concurrently(20, close)

    for order_id, pair in zip(
        order_ids, zip(outcomes[::2], outcomes[1::2], strict=True), strict=True
    ):
        state = Reservation.objects.get(order_id=order_id).state
        assert sorted(pair) == sorted([state, "refused"]), (order_id, pair)
    committed = Reservation.objects.filter(state="committed").count()
    assert inventory.get_stock(sku="A-1") == StockLevel(
        sku="A-1", on_hand=10 - committed, reserved=0, available=10 - committed
    )


SKUS = ["A", "B", "C", "D", "E"]
ON_HAND = 12
FAR_FUTURE = datetime(2999, 1, 1, tzinfo=UTC)


def test_multi_line_orders_in_any_sku_order_never_deadlock(postgres) -> None:
    for sku in SKUS:
        services.stock_adjust(sku=sku, delta=ON_HAND, reason="delivery")
    unexpected: list[BaseException] = []

    def shop(i: int, barrier: threading.Barrier) -> Counter:
        rng = random.Random(i)
        seen: Counter = Counter()
        barrier.wait()
        for _ in range(6):
            skus = rng.sample(SKUS, rng.randint(2, len(SKUS)))  # a random order every time
            lines = [ReserveLine(sku=s, quantity=rng.randint(1, 3)) for s in skus]
            order_id = uuid.uuid4()
            try:
                inventory.reserve(order_id=order_id, lines=lines)
                seen["reserved"] += 1
                then = rng.choice(["commit", "release", "keep"])
                if then != "keep":
                    getattr(inventory, then)(order_id=order_id)
                    seen[then] += 1
            except (InsufficientStock, ReservationClosed) as exc:
                seen[type(exc).__name__] += 1
            except BaseException as exc:  # a deadlock or serialization error fails the test
                unexpected.append(exc)
                raise
            if i == 0:  # a sweep that finds every reservation overdue races the others
                seen["swept"] += services.reservations_release_expired(now=FAR_FUTURE)
        return seen

    outcomes = sum(_run_concurrently(16, shop), Counter())

    assert unexpected == []
    assert outcomes["reserved"] > 0
    _assert_invariants()


def _assert_invariants() -> None:
    for item in StockItem.objects.all():
        active = sum(
            ReservationLine.objects.filter(sku=item.sku, reservation__state="active").values_list(
                "quantity", flat=True
            )
        )
        committed = sum(
            ReservationLine.objects.filter(
                sku=item.sku, reservation__state="committed"
            ).values_list("quantity", flat=True)
        )
        audited = sum(StockAdjustment.objects.filter(sku=item.sku).values_list("delta", flat=True))
        assert 0 <= item.reserved <= item.on_hand, item.sku
        assert item.reserved == active, item.sku
        assert item.on_hand == ON_HAND - committed == audited, item.sku


def test_concurrent_adjustments_of_a_new_sku_all_count_and_are_audited(postgres) -> None:
    def deliver(i: int, barrier: threading.Barrier) -> int:
        barrier.wait()
        return inventory.adjust_stock(sku="NEW", delta=1, reason=f"parcel {i}").on_hand

    results = _run_concurrently(10, deliver)

    assert sorted(results) == list(range(1, 11))
    assert inventory.get_stock(sku="NEW").on_hand == 10
    audit = StockAdjustment.objects.filter(sku="NEW")
    assert sorted(audit.values_list("on_hand_after", flat=True)) == list(range(1, 11))
