"""The kernel's Celery task: one event delivery, on the subscriber module's queue."""

from __future__ import annotations

from celery import shared_task

from .events.consumer import handle_delivery

DELIVER_TASK = "modkit.deliver"


@shared_task(name=DELIVER_TASK, acks_late=True, ignore_result=True)
def deliver(delivery_id: int, source: str, name: str, payload: str, handler_key: str) -> str:
    """Apply a delivery (see modkit.events.consumer); never raises, so never redelivered by
    the broker for a handler error: retries are scheduled in the outbox instead."""
    return handle_delivery(
        delivery_id=delivery_id, source=source, name=name, payload=payload, handler_key=handler_key
    )
