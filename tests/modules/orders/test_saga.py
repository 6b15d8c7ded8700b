"""The order saga, run by the events machinery with ``drain()``: real catalog, customers and
inventory; payments and shipping are fakes (``fakes.py``)."""

from __future__ import annotations

import pytest
from django.db import transaction

from modkit.events import publish
from modkit.models import Delivery
from modkit.testing import drain
from modules.inventory.contracts import ReserveLine
from modules.inventory.interface import inventory
from modules.orders import services
from modules.orders.events import OrderCancelled, OrderPaid, OrderStatusChanged
from modules.orders.models import Order
from modules.shipping.events import ShipmentDelivered, ShipmentShipped

from .conftest import deliveries, statuses

pytestmark = pytest.mark.django_db

SAGA = "orders.advance_placed_order"
RELEASE = "orders.release_cancelled_order_stock"
REFUND = "orders.refund_cancelled_order"


@pytest.fixture
def tea(product):
    return product("TEA-1", price="4.50", stock=5)


def stock(sku: str = "TEA-1") -> tuple[int, int]:
    level = inventory.get_stock(sku=sku)
    return level.on_hand, level.reserved


def fresh(order: Order) -> Order:
    return Order.objects.get(pk=order.pk)


def paid_order(place, payments_fake, quantity: int = 2) -> Order:
    order = place(("TEA-1", quantity))
    drain()
    assert fresh(order).status == "paid"
    return order


def shipped(order: Order, tracking: str = "TRK-1") -> None:
    with transaction.atomic():
        publish(
            ShipmentShipped(
                shipment_id=order.pk,
                order_id=order.pk,
                customer_id=order.customer_id,
                customer_email=order.customer_email,
                tracking_number=tracking,
            )
        )


def delivered(order: Order) -> None:
    with transaction.atomic():
        publish(ShipmentDelivered(shipment_id=order.pk, order_id=order.pk))


# --- to paid ------------------------------------------------------------------------------------
def test_a_placed_order_is_reserved_then_paid(place, tea, payments_fake, captured_events):
    order = place(("TEA-1", 2))

    outcomes = drain()

    order = fresh(order)
    assert order.status == "paid"
    assert statuses(order) == ["pending", "reserved", "paid"]
    assert stock() == (5, 2)
    assert payments_fake.charges == 1
    assert payments_fake.payments[order.pk].amount == order.total
    paid = [e for e in captured_events if isinstance(e, OrderPaid)]
    assert len(paid) == 1
    assert (paid[0].customer_email, paid[0].total, paid[0].currency) == (
        "ada@example.com",
        order.total,
        "EUR",
    )
    assert outcomes == {"handled": 1}
    assert order.payment_token == ""  # settled: the card token is not kept
    # Paid: the stock waits for the parcel however long shipping takes (no expiry).
    again = inventory.reserve(order_id=order.pk, lines=[ReserveLine(sku="TEA-1", quantity=2)])
    assert again.expires_at is None


def test_every_transition_is_in_the_history_and_published(
    place, tea, payments_fake, shipping_fake, captured_events
):
    order = place(("TEA-1", 1))
    drain()
    shipped(order)
    delivered(order)
    drain()

    order = fresh(order)
    assert statuses(order) == ["pending", "reserved", "paid", "shipped", "delivered"]
    published = [e.status for e in captured_events if isinstance(e, OrderStatusChanged)]
    assert published == statuses(order)
    assert order.history.get(status="shipped").note == f"shipment {order.pk}, tracking TRK-1"


# --- out of stock -------------------------------------------------------------------------------
def test_out_of_stock_cancels_and_holds_nothing(place, tea, payments_fake, captured_events):
    order = place(("TEA-1", 6))

    drain()

    order = fresh(order)
    assert (order.status, order.cancel_reason) == ("cancelled", "out_of_stock")
    assert statuses(order) == ["pending", "cancelled"]
    assert "TEA-1" in order.history.last().note
    assert stock() == (5, 0)
    assert payments_fake.authorize_calls == []
    cancelled = [e for e in captured_events if isinstance(e, OrderCancelled)]
    assert [(e.reason, e.customer_email) for e in cancelled] == [
        ("out_of_stock", "ada@example.com")
    ]
    assert [d.state for d in deliveries(RELEASE) + deliveries(REFUND)] == ["done", "done"]


def test_a_product_without_stock_records_is_out_of_stock(place, product, payments_fake):
    product("NEW-1", stock=0)
    order = place(("NEW-1", 1))

    drain()

    assert (fresh(order).status, fresh(order).cancel_reason) == ("cancelled", "out_of_stock")


# --- payment declined ---------------------------------------------------------------------------
def test_a_declined_payment_cancels_and_releases_the_stock(place, tea, payments_fake):
    order = place(("TEA-1", 2), token="tok_declined")

    drain()

    order = fresh(order)
    assert (order.status, order.cancel_reason) == ("cancelled", "payment_declined")
    assert statuses(order) == ["pending", "reserved", "cancelled"]
    assert stock() == (5, 0)
    assert inventory.release(order_id=order.pk).state == "released"
    assert payments_fake.charges == 0
    assert payments_fake.refund_calls == [order.pk]


# --- payment unavailable ------------------------------------------------------------------------
def test_an_unreachable_gateway_is_retried_before_the_deadline(place, tea, payments_fake, settings):
    settings.ORDERS_PAYMENT_DEADLINE_SECONDS = 3600
    payments_fake.unavailable = True
    order = place(("TEA-1", 2))

    drain(include_later=False)

    [delivery] = deliveries(SAGA)
    assert (delivery.state, delivery.attempts) == ("pending", 1)
    assert "PaymentUnavailable" in delivery.last_error
    assert fresh(order).status == "pending"
    assert statuses(fresh(order)) == ["pending"]


def test_the_gateway_back_in_time_pays_the_order(place, tea, payments_fake, settings):
    settings.ORDERS_PAYMENT_DEADLINE_SECONDS = 3600
    payments_fake.unavailable = True
    order = place(("TEA-1", 2))
    drain(include_later=False)

    payments_fake.unavailable = False
    drain()

    assert fresh(order).status == "paid"
    assert statuses(fresh(order)) == ["pending", "reserved", "paid"]
    assert stock() == (5, 2)
    assert payments_fake.charges == 1


def test_past_the_deadline_the_order_is_cancelled_and_its_stock_released(
    place, tea, payments_fake, settings
):
    settings.ORDERS_PAYMENT_DEADLINE_SECONDS = 3600
    settings.MODKIT_EVENTS_MAX_ATTEMPTS = 3
    payments_fake.unavailable = True
    order = place(("TEA-1", 2))
    drain(include_later=False)

    settings.ORDERS_PAYMENT_DEADLINE_SECONDS = 0
    drain()

    order = fresh(order)
    assert (order.status, order.cancel_reason) == ("cancelled", "payment_unavailable")
    assert statuses(order) == ["pending", "reserved", "cancelled"]
    assert stock() == (5, 0)
    assert [(d.state, d.attempts) for d in deliveries(SAGA)] == [("done", 1)]
    # The refund (a void: nothing was charged) waits for the gateway, as a dead letter here.
    assert [(d.state, d.attempts) for d in deliveries(REFUND)] == [("dead", 3)]

    payments_fake.unavailable = False
    # What an operator's "Redeliver" does once the gateway is back.
    Delivery.objects.filter(state=Delivery.State.DEAD).update(
        state=Delivery.State.PENDING, attempts=0
    )
    drain()
    assert [d.state for d in deliveries(REFUND)] == ["done"]


def test_with_the_default_deadline_an_unreachable_gateway_is_retried(place, tea, payments_fake):
    payments_fake.unavailable = True
    order = place(("TEA-1", 1))

    drain(include_later=False)

    assert services.payment_deadline_seconds() == 60
    assert fresh(order).status == "pending"
    assert deliveries(SAGA)[0].state == "pending"


def test_an_unreachable_inventory_is_retried(place, tea, payments_fake):
    from modkit.errors import ModuleUnavailable
    from modkit.testing import swap

    class DeadInventory:
        def reserve(self, *, order_id, lines):
            raise ModuleUnavailable("inventory: connection refused (fake)")

    order = place(("TEA-1", 1))
    with swap("inventory", DeadInventory()):
        drain(include_later=False)

    assert fresh(order).status == "pending"
    assert deliveries(SAGA)[0].attempts == 1
    drain()
    assert fresh(order).status == "paid"


# --- exactly once -------------------------------------------------------------------------------
def test_a_redelivered_order_placed_neither_reserves_nor_charges_again(place, tea, payments_fake):
    order = place(("TEA-1", 2))
    drain()

    # The acknowledgement was lost: the relay sends the delivery again.
    Delivery.objects.filter(handler=SAGA).update(state=Delivery.State.PENDING)
    outcomes = drain()

    assert outcomes == {"duplicate": 1}
    assert payments_fake.authorize_calls == [order.pk]
    assert payments_fake.charges == 1
    assert stock() == (5, 2)
    assert statuses(fresh(order)) == ["pending", "reserved", "paid"]


def test_a_retried_handler_does_not_charge_twice(place, tea, payments_fake, settings):
    settings.ORDERS_PAYMENT_DEADLINE_SECONDS = 3600
    payments_fake.lose_answer_once = True  # charged, but the answer never came back
    order = place(("TEA-1", 2))

    drain()

    assert fresh(order).status == "paid"
    assert payments_fake.authorize_calls == [order.pk, order.pk]
    assert payments_fake.charges == 1
    assert stock() == (5, 2)
    assert deliveries(SAGA)[0].attempts == 1


def test_advancing_a_paid_order_again_calls_nobody(place, tea, payments_fake):
    order = paid_order(place, payments_fake)

    services.order_advance(order_id=order.pk)

    assert payments_fake.authorize_calls == [order.pk]
    assert statuses(fresh(order)) == ["pending", "reserved", "paid"]


# --- cancelling and compensation ----------------------------------------------------------------
def test_cancelling_a_paid_order_releases_and_refunds(
    place, tea, payments_fake, client_of, customer
):
    order = paid_order(place, payments_fake)

    response = client_of(customer).post(f"/api/v1/orders/{order.pk}/cancel/")
    drain()

    assert response.status_code == 200
    assert (fresh(order).status, fresh(order).cancel_reason) == ("cancelled", "customer_request")
    assert payments_fake.refund_calls == [order.pk]
    assert payments_fake.payments[order.pk].status == "refunded"
    assert stock() == (5, 0)
    assert statuses(fresh(order)) == ["pending", "reserved", "paid", "cancelled"]


def test_an_order_cancelled_before_the_saga_ran_is_left_alone(place, tea, payments_fake):
    order = place(("TEA-1", 2))
    services.order_cancel(order_id=order.pk, reason="customer_request")

    outcomes = drain()

    assert outcomes == {"handled": 3}
    assert payments_fake.authorize_calls == []
    assert stock() == (5, 0)
    assert payments_fake.refund_calls == [order.pk]  # nothing to refund: PaymentNotFound, ignored
    assert statuses(fresh(order)) == ["pending", "cancelled"]


def test_a_refund_that_cannot_reach_payments_is_retried(place, tea, payments_fake):
    order = paid_order(place, payments_fake)
    services.order_cancel(order_id=order.pk, reason="customer_request")
    payments_fake.unavailable = True

    drain(include_later=False)

    assert [(d.state, d.attempts) for d in deliveries(REFUND)] == [("pending", 1)]
    assert stock() == (5, 0)  # released all the same
    payments_fake.unavailable = False
    drain()
    assert payments_fake.payments[order.pk].status == "refunded"


# --- shipping -----------------------------------------------------------------------------------
def test_shipment_shipped_ships_the_order_and_commits_the_stock(place, tea, payments_fake):
    order = paid_order(place, payments_fake)

    shipped(order)
    drain()

    assert fresh(order).status == "shipped"
    assert stock() == (3, 0)
    assert inventory.commit(order_id=order.pk).state == "committed"


def test_shipment_delivered_delivers_the_order(place, tea, payments_fake):
    order = paid_order(place, payments_fake)
    shipped(order)
    drain()

    delivered(order)
    drain()

    assert fresh(order).status == "delivered"
    assert statuses(fresh(order)) == ["pending", "reserved", "paid", "shipped", "delivered"]


def test_a_delivery_before_its_shipped_event_records_both(place, tea, payments_fake):
    order = paid_order(place, payments_fake)

    delivered(order)
    drain()
    shipped(order)
    drain()

    assert fresh(order).status == "delivered"
    assert statuses(fresh(order)) == ["pending", "reserved", "paid", "shipped", "delivered"]
    assert stock() == (3, 0)


def test_repeated_shipping_events_change_nothing(place, tea, payments_fake):
    order = paid_order(place, payments_fake)
    shipped(order)
    drain()

    shipped(order, tracking="TRK-2")
    delivered(order)
    delivered(order)
    drain()

    assert statuses(fresh(order)) == ["pending", "reserved", "paid", "shipped", "delivered"]
    assert stock() == (3, 0)


def test_a_shipped_event_for_a_cancelled_order_is_ignored(place, tea, payments_fake):
    order = paid_order(place, payments_fake)
    services.order_cancel(order_id=order.pk, reason="customer_request")

    shipped(order)
    drain()

    assert fresh(order).status == "cancelled"
    assert stock() == (5, 0)


def test_a_lapsed_reservation_still_ships_and_says_the_stock_needs_a_hand(
    place, tea, payments_fake
):
    order = paid_order(place, payments_fake)
    inventory.release(order_id=order.pk)  # as the expiry sweep does after the reservation's TTL

    shipped(order)
    drain()

    order = fresh(order)
    assert order.status == "shipped"
    assert "Stock NOT taken off the shelf" in order.history.get(status="shipped").note
    assert [d.state for d in deliveries("orders.record_shipment_shipped")] == ["done"]


def test_cancelling_after_shipment_is_refused(place, tea, payments_fake, client_of, customer):
    order = paid_order(place, payments_fake)
    shipped(order)
    drain()

    response = client_of(customer).post(f"/api/v1/orders/{order.pk}/cancel/")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "order_not_cancellable"
    assert fresh(order).status == "shipped"
    assert payments_fake.refund_calls == []
