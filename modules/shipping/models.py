"""Shipping tables: one shipment per order.

``order_id`` and ``customer_id`` refer to the orders and customers modules by id; the customer's
email is a copy taken from the order's event, so shipping can notify without asking anyone.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone

from .contracts import STATUSES


class Shipment(models.Model):
    """The parcel of one paid order, from pending to delivered, or cancelled before shipping.

    An order whose cancellation reached shipping before its payment did has a shipment that is
    cancelled from the start (see ``services``), so that no pending one is ever created for it.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        SHIPPED = "shipped", "shipped"
        DELIVERED = "delivered", "delivered"
        CANCELLED = "cancelled", "cancelled"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    order_id = models.UUIDField(unique=True)
    customer_id = models.BigIntegerField(db_index=True)
    customer_email = models.EmailField(max_length=254)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    tracking_number = models.CharField(max_length=32, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=STATUSES),
                name="shipping_shipment_status_valid",
            ),
            # A parcel with the carrier has a tracking number and a shipping time, and only then.
            models.CheckConstraint(
                condition=(
                    Q(
                        status__in=["shipped", "delivered"],
                        tracking_number__isnull=False,
                        shipped_at__isnull=False,
                    )
                    | Q(
                        status__in=["pending", "cancelled"],
                        tracking_number__isnull=True,
                        shipped_at__isnull=True,
                    )
                ),
                name="shipping_shipment_tracked_iff_shipped",
            ),
            models.CheckConstraint(
                condition=Q(status="delivered", delivered_at__isnull=False)
                | (~Q(status="delivered") & Q(delivered_at__isnull=True)),
                name="shipping_shipment_delivered_at_iff_delivered",
            ),
            models.CheckConstraint(
                condition=Q(status="cancelled", cancelled_at__isnull=False)
                | (~Q(status="cancelled") & Q(cancelled_at__isnull=True)),
                name="shipping_shipment_cancelled_at_iff_cancelled",
            ),
        ]

    def __str__(self) -> str:
        return f"shipment of order {self.order_id} ({self.status})"
