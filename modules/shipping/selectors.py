"""Reads of shipments. Writes and their locks live in ``services``."""

from __future__ import annotations

import logging
from uuid import UUID

from modkit.errors import ModuleUnavailable
from modules.orders.contracts import OrderNotFound
from modules.orders.interface import orders

from .contracts import ShipmentNotFound
from .models import Shipment

logger = logging.getLogger(__name__)


def shipment_get(*, shipment_id: UUID) -> Shipment:
    """The shipment with ``shipment_id``; raises ``ShipmentNotFound``."""
    try:
        return Shipment.objects.get(pk=shipment_id)
    except Shipment.DoesNotExist:
        raise ShipmentNotFound(details={"shipment_id": str(shipment_id)}) from None


def shipments_of_order(*, order_id: UUID) -> list[Shipment]:
    """The shipments of one order, oldest first (at most one)."""
    return list(Shipment.objects.filter(order_id=order_id).order_by("created_at", "id"))


def shipments_of_customer_order(*, order_id: UUID, customer_id: int) -> list[Shipment]:
    """The shipments of ``order_id`` if it is an order of ``customer_id``.

    Raises ``OrderNotFound`` for an order that is someone else's or that does not exist, so a
    foreign id looks exactly like an unknown one. Shipping learns an order's customer when the
    order is paid (or cancelled); before that, it asks the orders module whose order it is. If
    orders is unavailable then, the answer degrades to an empty list: there is no shipment to show
    anyway, and an empty list says nothing about anybody's order.
    """
    shipments = shipments_of_order(order_id=order_id)
    if shipments:
        if any(s.customer_id != customer_id for s in shipments):
            raise _order_not_found(order_id)
        return shipments
    try:
        order = orders.get_order(order_id=order_id)
    except OrderNotFound:
        raise _order_not_found(order_id) from None
    except ModuleUnavailable as exc:
        logger.warning("shipping: cannot tell whose order %s is: %s", order_id, exc)
        return []
    if order.customer_id != customer_id:
        raise _order_not_found(order_id)
    return []


def _order_not_found(order_id: UUID) -> OrderNotFound:
    return OrderNotFound(details={"order_id": str(order_id)})
