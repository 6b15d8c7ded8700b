"""The kernel's Celery tasks: event deliveries, on the subscriber module's queue."""

from __future__ import annotations

import logging
import time
from typing import Any

from celery import shared_task
from django.conf import settings

from .events.consumer import handle_delivery, still_held

DELIVER_TASK = "modkit.deliver"
DELIVER_MANY_TASK = "modkit.deliver_many"

logger = logging.getLogger("modkit.events")
ACKS_LATE = bool(getattr(settings, "MODKIT_EVENTS_ACKS_LATE", False))


# The message is acknowledged when a pool process starts the handler, not when it ends
# (``MODKIT_EVENTS_ACKS_LATE`` turns acks_late back on): a delivery stays open in its outbox
# until the handler's inbox entry commits, and the relay resends one that went stale, so the
# broker holding the message through the handler adds no guarantee. It would cost throughput: a
# worker could not take its next message from the broker while a handler runs.
@shared_task(
    name=DELIVER_TASK,
    acks_late=ACKS_LATE,
    ignore_result=True,
)
def deliver(delivery_id: int, source: str, name: str, payload: str, handler_key: str) -> str:
    """Apply a delivery (see modkit.events.consumer); never raises, so never redelivered by
    the broker for a handler error: retries are scheduled in the outbox instead."""
    return handle_delivery(
        delivery_id=delivery_id, source=source, name=name, payload=payload, handler_key=handler_key
    )


@shared_task(name=DELIVER_MANY_TASK, acks_late=ACKS_LATE, ignore_result=True)
def deliver_many(
    source: str, deliveries: list[list[Any]], dispatched_at: float | None = None
) -> list[str]:
    """Apply several deliveries of one queue (``[id, event name, payload, handler]`` each), each
    in its own transaction, in order: one failing handler is retried on its own and keeps none
    of the others from taking effect. Returns each one's outcome (``error`` for one whose
    failure could not even be recorded, its database being unreachable, say: it stays
    dispatched, and the relay's stale check resends it, as it does a lost message)."""
    # A delivery waiting its turn here is neither in a queue nor locked by a handler, so the
    # relay's stale check would take it for lost: renew the dispatched stamp (the relay's, given
    # as a POSIX time) of those still to come once it is half RESEND_AFTER old.
    renew_after = float(getattr(settings, "MODKIT_EVENTS_RESEND_AFTER", 60.0)) / 2
    stamped = time.time() if dispatched_at is None else dispatched_at
    outcomes = []
    for index, (delivery_id, name, payload, handler_key) in enumerate(deliveries):
        if time.time() - stamped >= renew_after:
            still_held(source, [d[0] for d in deliveries[index:]])
            stamped = time.time()
        try:
            outcome = handle_delivery(
                delivery_id=delivery_id,
                source=source,
                name=name,
                payload=payload,
                handler_key=handler_key,
            )
        except Exception:
            logger.exception(
                "delivery %s of %s to %s failed, and so did recording it",
                delivery_id,
                name,
                handler_key,
            )
            outcome = "error"
        outcomes.append(outcome)
    return outcomes
