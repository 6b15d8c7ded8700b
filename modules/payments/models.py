"""Payments tables: the payment of each order, and the simulated gateway's own records.

``Payment`` is the module's truth about an order's money. ``GatewayCharge``, ``GatewayRequest``
and ``GatewaySwitch`` belong to the simulated gateway (``gateway.py``): they stand for state
that would live at the payment provider, which is why nothing but the gateway writes them.
Orders are referenced by id (the orders module owns them).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class Payment(models.Model):
    """The payment of one order: what was asked, what the gateway answered, and how often."""

    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        AUTHORIZED = "authorized", "authorized"
        DECLINED = "declined", "declined"
        REFUNDED = "refunded", "refunded"
        VOIDED = "voided", "voided"

    order_id = models.UUIDField(unique=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    gateway_reference = models.CharField(max_length=40, blank=True)
    gateway_attempts = models.PositiveIntegerField(
        default=0, help_text="Gateway calls made to authorize, retries included."
    )
    decline_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    refunded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("refund_payment", "Can refund payments")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payments_payment_amount_gt_0"),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "authorized", "declined", "refunded", "voided"]),
                name="payments_payment_status_valid",
            ),
            models.CheckConstraint(
                condition=(
                    Q(status="refunded", refunded_at__isnull=False)
                    | (~Q(status="refunded") & Q(refunded_at__isnull=True))
                ),
                name="payments_payment_refunded_at_iff_refunded",
            ),
        ]

    def __str__(self) -> str:
        return f"payment of order {self.order_id} ({self.status})"


class GatewayCharge(models.Model):
    """The gateway's record of the charge made under one idempotency key (the order id).

    ``voided``: the key was refunded before anything was charged, so the gateway refuses any
    later charge under it.
    """

    class Outcome(models.TextChoices):
        APPROVED = "approved", "approved"
        DECLINED = "declined", "declined"
        VOIDED = "voided", "voided"

    idempotency_key = models.CharField(max_length=64, unique=True)
    reference = models.CharField(max_length=40, unique=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    token = models.CharField(max_length=200, blank=True)
    decline_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    refunded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=["approved", "declined", "voided"]),
                name="payments_gatewaycharge_outcome_valid",
            ),
            # Only money that was taken can be given back.
            models.CheckConstraint(
                condition=Q(refunded_at__isnull=True) | Q(outcome="approved"),
                name="payments_gatewaycharge_refund_only_approved",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.outcome})"


class GatewayRequest(models.Model):
    """The gateway's log of every call it received (or refused while down)."""

    class Operation(models.TextChoices):
        CHARGE = "charge", "charge"
        REFUND = "refund", "refund"

    idempotency_key = models.CharField(max_length=64, db_index=True)
    operation = models.CharField(max_length=16, choices=Operation.choices)
    result = models.CharField(max_length=32)
    detail = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.operation} {self.idempotency_key}: {self.result}"


class GatewaySwitch(models.Model):
    """The gateway's operating switches: one row, read on every call by every process."""

    SINGLETON_ID = 1

    down = models.BooleanField(
        default=False, help_text="While on, every gateway call fails as unreachable."
    )
    latency_ms = models.PositiveIntegerField(
        default=0, help_text="Added to every gateway call, for realism."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "gateway switch"
        verbose_name_plural = "gateway switch"
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="payments_gatewayswitch_singleton"),
        ]

    def __str__(self) -> str:
        return f"payment gateway {'DOWN' if self.down else 'up'}, latency {self.latency_ms} ms"
