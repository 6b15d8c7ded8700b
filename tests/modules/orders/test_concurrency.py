"""Placing and cancelling under real concurrency on PostgreSQL.

Each thread has its own database connection (Django connections are per thread) and closes it
at the end, so the test database can be dropped afterwards.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from uuid import UUID

import pytest
from django.db import connection

from modkit.models import OutboxEvent
from modkit.testing import drain, swap
from modules.inventory.contracts import Reservation, ReserveLine
from modules.inventory.impl import InventoryServiceImpl
from modules.inventory.interface import inventory
from modules.orders import services
from modules.orders.contracts import OrderNotCancellable
from modules.orders.models import Order

from .conftest import ADDRESS, statuses

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _run_concurrently(n: int, work: Callable[[int, threading.Barrier], Any]) -> list[Any]:
    barrier = threading.Barrier(n, timeout=30)

    def run(i: int) -> Any:
        try:
            return work(i, barrier)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def test_one_idempotency_key_sent_eight_times_at_once_makes_one_order(postgres, product, customer):
    product("TEA-1")

    def place(i: int, barrier: threading.Barrier) -> tuple[UUID, bool]:
        barrier.wait()
        order, created = services.order_place(
            customer_id=customer.id,
            customer_email=customer.email,
            lines=[("TEA-1", 2)],
            shipping_address=ADDRESS,
            payment_token="tok_ok",
            idempotency_key="double-click",
        )
        return order.pk, created

    results = _run_concurrently(8, place)

    assert len({order_id for order_id, _ in results}) == 1
    assert sorted(created for _, created in results) == [False] * 7 + [True]
    assert Order.objects.count() == 1
    assert OutboxEvent.objects.filter(name="orders.OrderPlaced").count() == 1


class SlowInventory:
    """The real inventory, but ``reserve`` waits until the test says so: it holds the saga
    between reading the order and writing its first change."""

    def __init__(self) -> None:
        self.real = InventoryServiceImpl()
        self.entered = threading.Event()
        self.proceed = threading.Event()

    def reserve(self, *, order_id: UUID, lines: list[ReserveLine]) -> Reservation:
        self.entered.set()
        assert self.proceed.wait(timeout=30)
        return self.real.reserve(order_id=order_id, lines=lines)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


def test_a_customer_cancel_waits_for_the_saga_step_and_then_compensates(
    postgres, product, place, payments_fake
):
    product("TEA-1", stock=5)
    order = place(("TEA-1", 2))
    slow = SlowInventory()
    cancelled = threading.Event()

    def saga() -> None:
        try:
            drain()
        finally:
            connection.close()

    def cancel() -> str:
        try:
            assert slow.entered.wait(timeout=30)
            services.order_cancel(order_id=order.pk, reason="customer_request")
            cancelled.set()
            return "cancelled"
        except OrderNotCancellable:
            return "refused"
        finally:
            connection.close()

    with swap("inventory", slow), ThreadPoolExecutor(max_workers=2) as pool:
        saga_done = pool.submit(saga)
        cancel_done = pool.submit(cancel)
        assert slow.entered.wait(timeout=30)
        # The saga read the order under its row lock and waits inside inventory: the cancel
        # waits too, instead of cancelling an order the saga is about to mark reserved.
        assert not cancelled.wait(timeout=1)
        slow.proceed.set()
        saga_done.result(timeout=30)
        assert cancel_done.result(timeout=30) == "cancelled"
        drain()

    order = Order.objects.get(pk=order.pk)
    assert (order.status, order.cancel_reason) == ("cancelled", "customer_request")
    assert statuses(order) == ["pending", "reserved", "paid", "cancelled"]
    assert payments_fake.payments[order.pk].status == "refunded"
    assert inventory.get_stock(sku="TEA-1").reserved == 0
