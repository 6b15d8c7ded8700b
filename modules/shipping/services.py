"""Writes to shipments: created and cancelled from the orders' events, shipped and delivered by
staff.

Every write runs in a transaction on shipping's database and locks the shipment row before it
reads the status, so staff marking a shipment shipped and the order's cancellation arriving at
the same moment are applied one after the other, never interleaved.

Events are not ordered: an order cancelled right after it was paid may have its
``OrderCancelled`` handled before its ``OrderPaid`` (a retry, a busy worker). A cancellation that
finds no shipment therefore records the order's shipment as cancelled at once, and the late
``OrderPaid`` finds it and leaves it so: nothing is shipped for a cancelled order. The unique
``order_id`` lets the two race safely (the second insert waits for the first, fails, and reads
what the first left). The cost: an order cancelled before it was paid has a cancelled shipment.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime
from uuid import UUID

from django.db import IntegrityError, router, transaction
from django.db.transaction import Atomic
from django.utils import timezone

from modkit.events import publish

from .contracts import ShipmentNotFound, ShipmentStateConflict
from .events import ShipmentDelivered, ShipmentShipped
from .models import Shipment

logger = logging.getLogger(__name__)

# Crockford's base32 (no I, L, O, U: nothing to misread on a label); 12 symbols are 60 bits, so
# a clash is astronomically unlikely, and the unique column refuses one anyway.
TRACKING_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
TRACKING_PREFIX = "MK"
TRACKING_SYMBOLS = 12


def _atomic() -> Atomic:
    """A transaction on the database holding shipments (shipping's own, when it has one)."""
    return transaction.atomic(using=router.db_for_write(Shipment))


def shipment_create(
    *, order_id: UUID, customer_id: int, customer_email: str, now: datetime | None = None
) -> Shipment:
    """The pending shipment of a paid order.

    Idempotent per order: an existing shipment of the order is returned unchanged, whatever its
    status (one recorded cancelled by an earlier cancellation stays cancelled).
    """
    with _atomic():
        existing = Shipment.objects.filter(order_id=order_id).first()
        if existing is not None:
            return existing
        shipment, _ = _claim(
            Shipment(
                order_id=order_id,
                customer_id=customer_id,
                customer_email=customer_email,
                created_at=now or timezone.now(),
            )
        )
        return shipment


def shipment_cancel(
    *, order_id: UUID, customer_id: int, customer_email: str, now: datetime | None = None
) -> Shipment:
    """Cancel the pending shipment of a cancelled order; returns the order's shipment.

    A shipped or delivered shipment is left as it is (and logged: the parcel has left). With no
    shipment yet, one is recorded cancelled, so that a late ``OrderPaid`` does not create a
    pending one (see the module docstring). Idempotent.
    """
    now = now or timezone.now()
    with _atomic():
        shipment = Shipment.objects.select_for_update().filter(order_id=order_id).first()
        if shipment is None:
            shipment, created = _claim(
                Shipment(
                    order_id=order_id,
                    customer_id=customer_id,
                    customer_email=customer_email,
                    status=Shipment.Status.CANCELLED,
                    created_at=now,
                    cancelled_at=now,
                )
            )
            if created:
                return shipment
            shipment = Shipment.objects.select_for_update().get(pk=shipment.pk)
        if shipment.status == Shipment.Status.PENDING:
            shipment.status = Shipment.Status.CANCELLED
            shipment.cancelled_at = now
            shipment.save(update_fields=["status", "cancelled_at"])
        elif shipment.status != Shipment.Status.CANCELLED:
            logger.warning(
                "shipping: order %s was cancelled but its shipment %s is already %s",
                order_id,
                shipment.pk,
                shipment.status,
            )
        return shipment


def shipment_mark_shipped(*, shipment_id: UUID, now: datetime | None = None) -> Shipment:
    """Hand a pending shipment to the carrier: a tracking number, and ``ShipmentShipped``.

    Idempotent: a shipped shipment is returned unchanged and nothing is published again. Raises
    ``ShipmentNotFound``, or ``ShipmentStateConflict`` for a cancelled or delivered one.
    """
    with _atomic():
        shipment = _locked(shipment_id)
        if shipment.status == Shipment.Status.SHIPPED:
            return shipment
        if shipment.status != Shipment.Status.PENDING:
            raise _conflict(shipment, "shipped")
        shipment.status = Shipment.Status.SHIPPED
        shipment.tracking_number = _tracking_number()
        shipment.shipped_at = now or timezone.now()
        shipment.save(update_fields=["status", "tracking_number", "shipped_at"])
        publish(
            ShipmentShipped(
                shipment_id=shipment.pk,
                order_id=shipment.order_id,
                customer_id=shipment.customer_id,
                customer_email=shipment.customer_email,
                tracking_number=shipment.tracking_number,
            )
        )
        return shipment


def shipment_mark_delivered(*, shipment_id: UUID, now: datetime | None = None) -> Shipment:
    """Record that the carrier delivered a shipped shipment, and publish ``ShipmentDelivered``.

    Idempotent: a delivered shipment is returned unchanged and nothing is published again.
    Raises ``ShipmentNotFound``, or ``ShipmentStateConflict`` for a pending or cancelled one.
    """
    with _atomic():
        shipment = _locked(shipment_id)
        if shipment.status == Shipment.Status.DELIVERED:
            return shipment
        if shipment.status != Shipment.Status.SHIPPED:
            raise _conflict(shipment, "delivered")
        shipment.status = Shipment.Status.DELIVERED
        shipment.delivered_at = now or timezone.now()
        shipment.save(update_fields=["status", "delivered_at"])
        publish(ShipmentDelivered(shipment_id=shipment.pk, order_id=shipment.order_id))
        return shipment


def _claim(shipment: Shipment) -> tuple[Shipment, bool]:
    """Insert the order's shipment, or return the one a concurrent transaction committed."""
    try:
        with _atomic():
            shipment.save(force_insert=True)
            return shipment, True
    except IntegrityError:
        return Shipment.objects.get(order_id=shipment.order_id), False


def _locked(shipment_id: UUID) -> Shipment:
    shipment = Shipment.objects.select_for_update().filter(pk=shipment_id).first()
    if shipment is None:
        raise ShipmentNotFound(
            f"No shipment {shipment_id}.", details={"shipment_id": str(shipment_id)}
        )
    return shipment


def _conflict(shipment: Shipment, wanted: str) -> ShipmentStateConflict:
    return ShipmentStateConflict(
        f"The shipment of order {shipment.order_id} is {shipment.status}; "
        f"it cannot be marked {wanted}.",
        details={"shipment_id": str(shipment.pk), "status": shipment.status},
    )


def _tracking_number() -> str:
    symbols = "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_SYMBOLS))
    return f"{TRACKING_PREFIX}{symbols}"
