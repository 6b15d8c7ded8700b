"""Orders, their lines (snapshots of the catalog when ordered) and their status history.

``customer_id`` refers to the customers module by id (a plain field, no relation); skus are
plain strings too: the catalog and inventory own products and stock.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone

from .contracts import CANCEL_REASONS, STATUSES


class Order(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        RESERVED = "reserved", "reserved"
        PAID = "paid", "paid"
        SHIPPED = "shipped", "shipped"
        DELIVERED = "delivered", "delivered"
        CANCELLED = "cancelled", "cancelled"

    class CancelReason(models.TextChoices):
        OUT_OF_STOCK = "out_of_stock", "out of stock"
        PAYMENT_DECLINED = "payment_declined", "payment declined"
        PAYMENT_UNAVAILABLE = "payment_unavailable", "payment unavailable"
        CUSTOMER_REQUEST = "customer_request", "customer request"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    customer_id = models.BigIntegerField()
    customer_email = models.EmailField(max_length=254)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    # Empty unless cancelled (a database check keeps the two consistent).
    cancel_reason = models.CharField(
        max_length=32, choices=CancelReason.choices, blank=True, default=""
    )
    total = models.DecimalField(max_digits=16, decimal_places=2)
    currency = models.CharField(max_length=3)
    shipping_address = models.JSONField()
    # The gateway's card token; cleared once the payment is settled either way.
    payment_token = models.CharField(max_length=200, blank=True, default="")
    # The client's Idempotency-Key (empty when none was sent) and a hash of the request it came
    # with: the same key with another request is refused rather than answered with this order.
    idempotency_key = models.CharField(max_length=255, blank=True, default="")
    request_fingerprint = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # A customer's orders, newest first (the API's list).
            models.Index(fields=["customer_id", "-created_at"], name="orders_customer_recent"),
            # The admin's status filter and the dashboard's figures, by date.
            models.Index(fields=["status", "-created_at"], name="orders_status_recent"),
            models.Index(fields=["-created_at"], name="orders_recent"),
            models.Index(
                fields=["cancel_reason"],
                condition=Q(status="cancelled"),
                name="orders_cancel_reason",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["customer_id", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="orders_order_idempotency_key_once",
            ),
            models.CheckConstraint(
                condition=Q(status__in=STATUSES), name="orders_order_status_valid"
            ),
            models.CheckConstraint(
                condition=(
                    Q(status="cancelled", cancel_reason__in=CANCEL_REASONS)
                    | (~Q(status="cancelled") & Q(cancel_reason=""))
                ),
                name="orders_order_cancel_reason_iff_cancelled",
            ),
            models.CheckConstraint(condition=Q(total__gte=0), name="orders_order_total_gte_0"),
        ]

    def __str__(self) -> str:
        return f"order {self.id} ({self.status})"


class OrderLine(models.Model):
    """One sku of an order; ``name`` and ``unit_price`` are as they were when ordered."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    sku = models.CharField(max_length=64, db_index=True)
    name = models.CharField(max_length=200)
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "sku"], name="orders_orderline_sku_once"),
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="orders_orderline_quantity_gt_0"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.sku}"

    @property
    def line_total(self):
        return self.unit_price * self.quantity


class OrderHistory(models.Model):
    """The order entered ``status`` at ``at``; ``note`` says why or who."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="history")
    status = models.CharField(max_length=16, choices=Order.Status.choices)
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["at", "id"]
        verbose_name_plural = "order history"

    def __str__(self) -> str:
        return f"{self.status} at {self.at:%Y-%m-%d %H:%M:%S}"
