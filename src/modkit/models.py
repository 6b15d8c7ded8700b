"""The kernel's tables: the transactional outbox, its deliveries, and the consumer inbox.

These tables exist in every database that hosts a module (the router migrates the kernel app
everywhere): a module's events are written to the outbox of its own database, in the same
transaction as its business change; a subscriber's inbox lives in the subscriber's database, in
the same transaction as the handler's effect.
"""

from __future__ import annotations

from django.db import models


class OutboxEvent(models.Model):
    """One published event, written in the publisher's transaction."""

    event_id = models.UUIDField(unique=True)
    name = models.CharField(max_length=200, db_index=True)
    module = models.CharField(max_length=100)
    payload = models.TextField(help_text="The event as JSON (the wire codec's encoding).")
    correlation_id = models.CharField(max_length=128, blank=True, default="")
    causation_id = models.CharField(max_length=128, blank=True, default="")
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "outbox event"
        ordering = ("-id",)

    def __str__(self) -> str:
        return f"{self.name} {self.event_id}"


class Delivery(models.Model):
    """One event to one subscriber's handler. Stays open until the handler's effect commits."""

    class State(models.TextChoices):
        PENDING = "pending", "pending"  # due at next_attempt_at
        DISPATCHED = "dispatched", "dispatched"  # on the broker; resent if it goes stale
        DONE = "done", "done"  # the handler's inbox entry committed
        DEAD = "dead", "dead"  # failed max_attempts times; waits for a redelivery

    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="deliveries")
    handler = models.CharField(max_length=200, db_index=True)
    queue = models.CharField(max_length=100)
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    dispatched_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    last_traceback = models.TextField(blank=True, default="")

    class Meta:
        verbose_name_plural = "deliveries"
        ordering = ("-id",)
        constraints = [
            models.UniqueConstraint(fields=("event", "handler"), name="modkit_delivery_once"),
        ]
        indexes = [
            models.Index(fields=("state", "next_attempt_at"), name="modkit_delivery_due"),
            models.Index(fields=("state", "dispatched_at"), name="modkit_delivery_stale"),
        ]

    def __str__(self) -> str:
        return f"{self.handler} <- {self.event_id}"


class DeadLetter(Delivery):
    """A delivery whose handler failed ``MODKIT_EVENTS_MAX_ATTEMPTS`` times (the admin's view)."""

    class Meta:
        proxy = True
        verbose_name = "dead letter"


class InboxEntry(models.Model):
    """Proof that a handler took effect for an event: unique per (event, handler)."""

    event_id = models.UUIDField()
    handler = models.CharField(max_length=200)
    handled_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "inbox entries"
        constraints = [
            models.UniqueConstraint(fields=("event_id", "handler"), name="modkit_inbox_once"),
        ]

    def __str__(self) -> str:
        return f"{self.handler} handled {self.event_id}"
