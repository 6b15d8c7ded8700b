"""The public interface, over every transport: DTOs and domain errors survive the wire."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest

from modules.shipping.contracts import Shipment, ShipmentNotFound, ShipmentStateConflict
from modules.shipping.interface import shipping

from .conftest import CUSTOMER_ID, deliver, order_cancelled

pytestmark = pytest.mark.django_db


def test_shipments_of_order_returns_the_pending_shipment(transport, shipment_of) -> None:
    row = shipment_of()

    shipments = shipping.shipments_of_order(order_id=row.order_id)

    assert shipments == [
        Shipment(
            id=row.pk,
            order_id=row.order_id,
            customer_id=CUSTOMER_ID,
            status="pending",
            tracking_number=None,
            created_at=row.created_at,
        )
    ]
    assert isinstance(shipments[0].id, uuid.UUID)
    assert isinstance(shipments[0].created_at, datetime)


def test_shipments_of_an_order_not_paid_yet_is_empty(transport) -> None:
    assert shipping.shipments_of_order(order_id=uuid.uuid4()) == []


def test_mark_shipped_then_delivered(transport, shipment_of) -> None:
    pk = shipment_of().pk

    shipped = shipping.mark_shipped(shipment_id=pk)
    delivered = shipping.mark_delivered(shipment_id=pk)

    assert (shipped.status, delivered.status) == ("shipped", "delivered")
    assert shipped.tracking_number == delivered.tracking_number
    assert shipped.tracking_number
    assert isinstance(shipped.shipped_at, datetime)
    assert delivered.shipped_at == shipped.shipped_at
    assert isinstance(delivered.delivered_at, datetime)


def test_mark_shipped_twice_returns_the_same_shipment(transport, shipment_of) -> None:
    pk = shipment_of().pk

    assert shipping.mark_shipped(shipment_id=pk) == shipping.mark_shipped(shipment_id=pk)


def test_mark_shipped_of_a_cancelled_shipment_raises_the_conflict(transport, shipment_of) -> None:
    shipment = shipment_of()
    order_cancelled(shipment.order_id)
    deliver("shipping")

    with pytest.raises(ShipmentStateConflict) as exc_info:
        shipping.mark_shipped(shipment_id=shipment.pk)

    assert exc_info.value.details == {"shipment_id": str(shipment.pk), "status": "cancelled"}
    assert "cancelled" in exc_info.value.message


def test_mark_delivered_of_a_pending_shipment_raises_the_conflict(transport, shipment_of) -> None:
    pk = shipment_of().pk

    with pytest.raises(ShipmentStateConflict) as exc_info:
        shipping.mark_delivered(shipment_id=pk)

    assert exc_info.value.details["status"] == "pending"


def test_an_unknown_shipment_raises_not_found(transport) -> None:
    unknown = uuid.uuid4()

    with pytest.raises(ShipmentNotFound) as exc_info:
        shipping.mark_shipped(shipment_id=unknown)

    assert exc_info.value.details == {"shipment_id": str(unknown)}
