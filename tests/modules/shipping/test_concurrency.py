"""Shipments under real concurrency on PostgreSQL: one tracking number, one event, and a
cancellation that can never be overtaken by its order's payment.

Each thread has its own database connection (Django connections are per thread) and closes
it at the end, so the test database can be dropped afterwards.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection

from modkit.models import OutboxEvent
from modules.shipping import services
from modules.shipping.models import Shipment

from .conftest import CUSTOMER_EMAIL, CUSTOMER_ID

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _run_concurrently(works: list[Callable[[], Any]]) -> list[Any]:
    """Run each callable in its own thread, all started together; their results, in order."""
    barrier = threading.Barrier(len(works), timeout=30)

    def run(work: Callable[[], Any]) -> Any:
        try:
            barrier.wait()
            return work()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(works)) as pool:
        return list(pool.map(run, works))


def _customer() -> dict[str, Any]:
    return {"customer_id": CUSTOMER_ID, "customer_email": CUSTOMER_EMAIL}


def test_eight_staff_shipping_one_parcel_make_one_tracking_number(postgres) -> None:
    pk = services.shipment_create(order_id=uuid.uuid4(), **_customer()).pk

    shipped = _run_concurrently([lambda: services.shipment_mark_shipped(shipment_id=pk)] * 8)

    assert len({s.tracking_number for s in shipped}) == 1
    assert OutboxEvent.objects.filter(name="shipping.ShipmentShipped").count() == 1


@pytest.mark.parametrize("round_", range(5))
def test_payment_and_cancellation_racing_always_end_cancelled(postgres, round_) -> None:
    order_id = uuid.uuid4()

    _run_concurrently(
        [
            lambda: services.shipment_create(order_id=order_id, **_customer()),
            lambda: services.shipment_cancel(order_id=order_id, **_customer()),
        ]
    )

    assert list(Shipment.objects.values_list("order_id", "status")) == [(order_id, "cancelled")]
