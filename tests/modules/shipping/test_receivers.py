"""The orders' events, handled: a paid order gets one shipment, a cancelled one loses it."""

from __future__ import annotations

import pytest

from modkit.models import Delivery
from modules.shipping import services
from modules.shipping.models import Shipment

from .conftest import (
    CUSTOMER_EMAIL,
    CUSTOMER_ID,
    deliver,
    order_cancelled,
    order_paid,
    redeliver_all,
)

pytestmark = pytest.mark.django_db


def test_order_paid_creates_one_pending_shipment(order_id) -> None:
    order_paid(order_id)

    assert deliver("shipping") == {"handled": 1}

    shipment = Shipment.objects.get()
    assert shipment.order_id == order_id
    assert (shipment.customer_id, shipment.customer_email) == (CUSTOMER_ID, CUSTOMER_EMAIL)
    assert shipment.status == Shipment.Status.PENDING
    assert shipment.tracking_number is None
    assert shipment.shipped_at is None


def test_order_paid_delivered_twice_still_makes_one_shipment(order_id) -> None:
    order_paid(order_id)
    deliver("shipping")
    first = Shipment.objects.get()

    Delivery.objects.filter(handler="shipping.create_shipment").update(state=Delivery.State.PENDING)
    assert deliver("shipping") == {"duplicate": 1}

    assert list(Shipment.objects.all()) == [first]


def test_a_second_order_paid_event_of_the_same_order_keeps_the_first_shipment(order_id) -> None:
    order_paid(order_id)
    deliver("shipping")
    first = Shipment.objects.get()

    order_paid(order_id, email="other@example.com")
    assert deliver("shipping") == {"handled": 1}

    assert list(Shipment.objects.values_list("pk", "customer_email")) == [
        (first.pk, CUSTOMER_EMAIL)
    ]


def test_order_cancelled_cancels_a_pending_shipment(order_id) -> None:
    order_paid(order_id)
    deliver("shipping")

    order_cancelled(order_id)
    assert deliver("shipping") == {"handled": 1}

    shipment = Shipment.objects.get()
    assert shipment.status == Shipment.Status.CANCELLED
    assert shipment.cancelled_at is not None


def test_order_cancelled_leaves_a_shipped_shipment_shipped(order_id, caplog) -> None:
    order_paid(order_id)
    deliver("shipping")
    shipped = services.shipment_mark_shipped(shipment_id=Shipment.objects.get().pk)

    order_cancelled(order_id)
    assert deliver("shipping") == {"handled": 1}

    shipment = Shipment.objects.get()
    assert shipment.status == Shipment.Status.SHIPPED
    assert shipment.tracking_number == shipped.tracking_number
    assert shipment.cancelled_at is None
    assert f"order {order_id} was cancelled but its shipment" in caplog.text


def test_order_cancelled_leaves_a_delivered_shipment_delivered(order_id) -> None:
    order_paid(order_id)
    deliver("shipping")
    pk = Shipment.objects.get().pk
    services.shipment_mark_shipped(shipment_id=pk)
    services.shipment_mark_delivered(shipment_id=pk)

    order_cancelled(order_id)
    deliver("shipping")

    assert Shipment.objects.get().status == Shipment.Status.DELIVERED


def test_a_cancellation_handled_before_the_payment_means_no_pending_shipment(order_id) -> None:
    order_paid(order_id)
    order_cancelled(order_id)
    paid = Delivery.objects.get(handler="shipping.create_shipment")
    # The payment's delivery waits (a retry, a busy worker): the cancellation overtakes it.
    Delivery.objects.filter(pk=paid.pk).update(state=Delivery.State.DEAD)
    assert deliver("shipping") == {"handled": 1}
    Delivery.objects.filter(pk=paid.pk).update(state=Delivery.State.PENDING)

    assert deliver("shipping") == {"handled": 1}

    shipment = Shipment.objects.get()
    assert shipment.status == Shipment.Status.CANCELLED
    assert shipment.tracking_number is None


def test_order_cancelled_delivered_twice_is_applied_once(order_id) -> None:
    order_paid(order_id)
    order_cancelled(order_id)
    assert deliver("shipping") == {"handled": 2}
    cancelled_at = Shipment.objects.get().cancelled_at

    redeliver_all()
    assert deliver("shipping") == {"duplicate": 2}

    assert Shipment.objects.get().cancelled_at == cancelled_at
