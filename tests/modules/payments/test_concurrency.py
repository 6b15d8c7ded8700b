"""Payments under real concurrency on PostgreSQL: one order is charged at most once.

Each thread has its own database connection (Django connections are per thread) and closes it
at the end, so the test database can be dropped afterwards.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from modules.payments.contracts import PaymentDeclined, PaymentNotFound
from modules.payments.interface import payments
from modules.payments.models import GatewayCharge, Payment

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _run_concurrently(n: int, work: Callable[[int], Any]) -> list[Any]:
    """Run ``work(i)`` in ``n`` threads released together; their results, in order."""
    barrier = threading.Barrier(n, timeout=30)

    def run(i: int) -> Any:
        try:
            barrier.wait()
            return work(i)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def _authorize(order_id, token: str):
    return payments.authorize(
        order_id=order_id, amount=Decimal("42.00"), currency="EUR", token=token
    )


@pytest.mark.parametrize("token", ["tok_ok", "tok_flaky"])
def test_ten_threads_authorizing_one_order_charge_it_once(postgres, order_id, token) -> None:
    results = _run_concurrently(10, lambda i: _authorize(order_id, token))

    assert {(p.status, p.gateway_reference) for p in results} == {
        ("authorized", GatewayCharge.objects.get().reference)
    }
    assert GatewayCharge.objects.filter(outcome="approved").count() == 1
    assert Payment.objects.count() == 1
    assert Payment.objects.get().gateway_attempts >= 1


def test_authorize_racing_refund_ends_consistent_with_the_gateway(postgres, order_id) -> None:
    def work(i: int) -> str:
        try:
            if i % 2:
                return payments.refund(order_id=order_id).status
            return _authorize(order_id, "tok_ok").status
        except (PaymentDeclined, PaymentNotFound) as exc:
            return exc.code

    outcomes = _run_concurrently(10, work)

    payment = Payment.objects.get()
    charge = GatewayCharge.objects.get()
    expected = {
        ("approved", False): "authorized",
        ("approved", True): "refunded",
        ("voided", False): "voided",
    }[(charge.outcome, charge.refunded_at is not None)]
    assert payment.status == expected, outcomes
    assert payment.refunded_at == charge.refunded_at
    assert GatewayCharge.objects.filter(outcome="approved").count() <= 1
