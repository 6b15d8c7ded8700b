"""Inventory tables: stock per sku, reservations of it, and the audit trail of stock changes.

Skus are plain strings: the catalog owns products, inventory only counts units of them.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q


class StockItem(models.Model):
    """Units of one sku on hand, and how many of them are held by active reservations."""

    sku = models.CharField(max_length=64, unique=True)
    on_hand = models.PositiveIntegerField(default=0)
    reserved = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sku"]
        constraints = [
            models.CheckConstraint(
                condition=Q(on_hand__gte=0), name="inventory_stockitem_on_hand_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(reserved__gte=0), name="inventory_stockitem_reserved_gte_0"
            ),
            # The database itself refuses an oversold sku, whatever code path tries.
            models.CheckConstraint(
                condition=Q(reserved__lte=F("on_hand")),
                name="inventory_stockitem_reserved_lte_on_hand",
            ),
        ]

    def __str__(self) -> str:
        return self.sku

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class Reservation(models.Model):
    """Stock held for one order (``order_id`` refers to the orders module by id)."""

    class State(models.TextChoices):
        ACTIVE = "active", "active"
        COMMITTED = "committed", "committed"
        RELEASED = "released", "released"

    order_id = models.UUIDField(unique=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.ACTIVE)
    # None once held for a paid order: the expiry sweep leaves it until commit or release.
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # What the expiry sweep scans: only active reservations, by deadline.
            models.Index(
                fields=["expires_at"],
                condition=Q(state="active"),
                name="inventory_res_active_expiry",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["active", "committed", "released"]),
                name="inventory_reservation_state_valid",
            ),
            models.CheckConstraint(
                condition=(
                    Q(state="active", closed_at__isnull=True)
                    | (~Q(state="active") & Q(closed_at__isnull=False))
                ),
                name="inventory_reservation_closed_at_iff_closed",
            ),
        ]

    def __str__(self) -> str:
        return f"reservation for order {self.order_id} ({self.state})"


class ReservationLine(models.Model):
    """One sku and quantity held by a reservation."""

    reservation = models.ForeignKey(Reservation, on_delete=models.CASCADE, related_name="lines")
    sku = models.CharField(max_length=64)
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ["sku"]
        constraints = [
            models.UniqueConstraint(
                fields=["reservation", "sku"], name="inventory_reservationline_unique_sku"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="inventory_reservationline_quantity_gt_0"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.sku}"


class StockAdjustment(models.Model):
    """Audit trail: every change of a sku's units on hand, with why and the result.

    ``order_id`` is set when a committed reservation took the units (goods left the shelf);
    it is empty for manual adjustments.
    """

    sku = models.CharField(max_length=64, db_index=True)
    delta = models.IntegerField()
    reason = models.TextField()
    on_hand_after = models.PositiveIntegerField()
    order_id = models.UUIDField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.sku} {self.delta:+d}: {self.reason}"
