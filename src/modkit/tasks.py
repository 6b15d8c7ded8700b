"""The kernel's Celery task: one event delivery, on the subscriber module's queue."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from .events.consumer import handle_delivery

DELIVER_TASK = "modkit.deliver"


# The message is acknowledged when a pool process starts the handler, not when it ends
# (``MODKIT_EVENTS_ACKS_LATE`` turns acks_late back on): a delivery stays open in its outbox
# until the handler's inbox entry commits, and the relay resends one that went stale, so the
# broker holding the message through the handler adds no guarantee. It would cost throughput: a
# worker could not take its next message from the broker while a handler runs.
@shared_task(
    name=DELIVER_TASK,
    acks_late=bool(getattr(settings, "MODKIT_EVENTS_ACKS_LATE", False)),
    ignore_result=True,
)
def deliver(delivery_id: int, source: str, name: str, payload: str, handler_key: str) -> str:
    """Apply a delivery (see modkit.events.consumer); never raises, so never redelivered by
    the broker for a handler error: retries are scheduled in the outbox instead."""
    return handle_delivery(
        delivery_id=delivery_id, source=source, name=name, payload=payload, handler_key=handler_key
    )
