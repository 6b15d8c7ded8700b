"""The public interface, over every transport: DTOs and domain errors survive the wire."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from modules.orders.contracts import (
    InvalidOrder,
    Order,
    OrderLine,
    OrderNotCancellable,
    OrderNotFound,
)
from modules.orders.events import OrderCancelled
from modules.orders.interface import orders
from modules.orders.models import Order as OrderRow

pytestmark = pytest.mark.django_db


@pytest.fixture
def placed(transport, product, place):
    product("TEA-1", price="4.50")
    product("MUG-1", price="12.00")
    return place(("TEA-1", 2), ("MUG-1", 1))


def test_get_order_returns_the_order_with_lines_and_history(placed, customer):
    order = orders.get_order(order_id=placed.pk)

    assert isinstance(order, Order)
    assert (order.id, order.status, order.cancel_reason) == (placed.pk, "pending", None)
    assert (order.customer_id, order.customer_email) == (customer.id, customer.email)
    assert order.lines == (
        OrderLine(sku="TEA-1", name="Product TEA-1", unit_price=Decimal("4.50"), quantity=2),
        OrderLine(sku="MUG-1", name="Product MUG-1", unit_price=Decimal("12.00"), quantity=1),
    )
    assert (order.total, order.currency) == (Decimal("21.00"), "EUR")
    assert [(h.status, h.note) for h in order.history] == [("pending", "placed")]


def test_get_order_of_an_unknown_id_raises_order_not_found(transport, db):
    with pytest.raises(OrderNotFound):
        orders.get_order(order_id=uuid.uuid4())


def test_cancel_order_cancels_and_publishes(placed, captured_events):
    order = orders.cancel_order(order_id=placed.pk, reason="payment_declined")

    assert (order.status, order.cancel_reason) == ("cancelled", "payment_declined")
    assert [h.status for h in order.history] == ["pending", "cancelled"]
    cancelled = [e for e in captured_events if isinstance(e, OrderCancelled)]
    assert [(e.order_id, e.reason) for e in cancelled] == [(placed.pk, "payment_declined")]


def test_cancel_order_of_a_shipped_order_raises_not_cancellable(placed):
    OrderRow.objects.filter(pk=placed.pk).update(status="shipped")

    with pytest.raises(OrderNotCancellable) as exc_info:
        orders.cancel_order(order_id=placed.pk, reason="customer_request")

    assert exc_info.value.details == {"status": "shipped"}


def test_cancel_order_with_an_unknown_reason_raises_invalid_order(placed):
    with pytest.raises(InvalidOrder) as exc_info:
        orders.cancel_order(order_id=placed.pk, reason="bored")

    assert "reason" in exc_info.value.details
    assert OrderRow.objects.get().status == "pending"


def test_cancel_order_of_an_unknown_id_raises_order_not_found(transport, db):
    with pytest.raises(OrderNotFound):
        orders.cancel_order(order_id=uuid.uuid4(), reason="customer_request")
