"""Staff's two steps: shipped (a tracking number, an event) and delivered; and their refusals."""

from __future__ import annotations

import re
import uuid

import pytest

from modules.shipping import services
from modules.shipping.contracts import ShipmentNotFound, ShipmentStateConflict
from modules.shipping.events import ShipmentDelivered, ShipmentShipped
from modules.shipping.models import Shipment

from .conftest import CUSTOMER_EMAIL, CUSTOMER_ID, deliver, order_cancelled

pytestmark = pytest.mark.django_db

TRACKING = re.compile(r"^MK[0-9A-HJKMNP-TV-Z]{12}$")


def test_mark_shipped_assigns_a_tracking_number_and_publishes_shipment_shipped(
    shipment_of, captured_events
) -> None:
    pending = shipment_of()

    shipped = services.shipment_mark_shipped(shipment_id=pending.pk)

    assert shipped.status == Shipment.Status.SHIPPED
    assert TRACKING.match(shipped.tracking_number)
    assert shipped.shipped_at is not None
    events = [e for e in captured_events if isinstance(e, ShipmentShipped)]
    assert len(events) == 1
    event = events[0]
    assert (event.shipment_id, event.order_id) == (pending.pk, pending.order_id)
    assert (event.customer_id, event.customer_email) == (CUSTOMER_ID, CUSTOMER_EMAIL)
    assert event.tracking_number == shipped.tracking_number
    assert Shipment.objects.get(pk=pending.pk).tracking_number == shipped.tracking_number


def test_mark_shipped_again_changes_nothing_and_publishes_nothing(
    shipment_of, captured_events
) -> None:
    pk = shipment_of().pk
    first = services.shipment_mark_shipped(shipment_id=pk)

    again = services.shipment_mark_shipped(shipment_id=pk)

    assert (again.tracking_number, again.shipped_at) == (first.tracking_number, first.shipped_at)
    assert sum(isinstance(e, ShipmentShipped) for e in captured_events) == 1


def test_each_shipment_gets_its_own_tracking_number(shipment_of) -> None:
    numbers = {
        services.shipment_mark_shipped(shipment_id=shipment_of().pk).tracking_number
        for _ in range(5)
    }

    assert len(numbers) == 5


def test_mark_delivered_publishes_shipment_delivered_once(shipment_of, captured_events) -> None:
    pk = shipment_of().pk
    services.shipment_mark_shipped(shipment_id=pk)

    delivered = services.shipment_mark_delivered(shipment_id=pk)
    again = services.shipment_mark_delivered(shipment_id=pk)

    assert delivered.status == Shipment.Status.DELIVERED
    assert again.delivered_at == delivered.delivered_at
    events = [e for e in captured_events if isinstance(e, ShipmentDelivered)]
    assert [(e.shipment_id, e.order_id) for e in events] == [(pk, delivered.order_id)]


def test_a_cancelled_shipment_cannot_be_shipped(shipment_of, captured_events) -> None:
    shipment = shipment_of()
    order_cancelled(shipment.order_id)
    deliver("shipping")

    with pytest.raises(ShipmentStateConflict) as exc_info:
        services.shipment_mark_shipped(shipment_id=shipment.pk)

    assert exc_info.value.details["status"] == "cancelled"
    assert Shipment.objects.get(pk=shipment.pk).tracking_number is None
    assert not any(isinstance(e, ShipmentShipped) for e in captured_events)


def test_a_delivered_shipment_cannot_be_shipped_again(shipment_of) -> None:
    pk = shipment_of().pk
    services.shipment_mark_shipped(shipment_id=pk)
    services.shipment_mark_delivered(shipment_id=pk)

    with pytest.raises(ShipmentStateConflict) as exc_info:
        services.shipment_mark_shipped(shipment_id=pk)

    assert exc_info.value.details["status"] == "delivered"


@pytest.mark.parametrize("cancelled", [False, True], ids=["pending", "cancelled"])
def test_only_a_shipped_shipment_can_be_delivered(shipment_of, captured_events, cancelled) -> None:
    shipment = shipment_of()
    if cancelled:
        order_cancelled(shipment.order_id)
        deliver("shipping")

    with pytest.raises(ShipmentStateConflict) as exc_info:
        services.shipment_mark_delivered(shipment_id=shipment.pk)

    assert exc_info.value.details["status"] == ("cancelled" if cancelled else "pending")
    assert Shipment.objects.get(pk=shipment.pk).delivered_at is None
    assert not any(isinstance(e, ShipmentDelivered) for e in captured_events)


@pytest.mark.parametrize(
    "service", [services.shipment_mark_shipped, services.shipment_mark_delivered]
)
def test_an_unknown_shipment_is_not_found(service) -> None:
    unknown = uuid.uuid4()

    with pytest.raises(ShipmentNotFound) as exc_info:
        service(shipment_id=unknown)

    assert exc_info.value.details == {"shipment_id": str(unknown)}


def test_shipment_create_is_idempotent_per_order(order_id) -> None:
    first = services.shipment_create(
        order_id=order_id, customer_id=CUSTOMER_ID, customer_email=CUSTOMER_EMAIL
    )

    again = services.shipment_create(order_id=order_id, customer_id=99, customer_email="x@y.z")

    assert again == first
    assert Shipment.objects.count() == 1
