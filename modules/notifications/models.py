"""Notifications tables: the log of every email sent, one row per event and recipient."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from .contracts import KINDS


class EmailLog(models.Model):
    """One email sent to one recipient because of one event (``order_id`` refers to orders).

    Unique per (event, recipient): an event redelivered after its row committed finds the row
    and sends nothing. Delivery is still at least once: an email sent just before a crash that
    rolls back its row is sent again (see ``services``).
    """

    class Kind(models.TextChoices):
        ORDER_CONFIRMED = "order_confirmed", "order confirmed"
        ORDER_CANCELLED = "order_cancelled", "order cancelled"
        ORDER_SHIPPED = "order_shipped", "order shipped"

    order_id = models.UUIDField(db_index=True)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    recipient = models.EmailField(max_length=254)
    subject = models.CharField(max_length=200)
    event_id = models.UUIDField()
    sent_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event_id", "recipient"], name="notifications_emaillog_once_per_event"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=KINDS), name="notifications_emaillog_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient} ({self.sent_at:%Y-%m-%d %H:%M})"
