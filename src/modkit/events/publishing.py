"""``publish(event)``: the event joins the caller's transaction through the outbox."""

from __future__ import annotations

from collections.abc import Callable

import msgspec
from django.db import connections
from django.utils import timezone

from .. import correlation
from ..db import database_of
from ..errors import DomainError
from .subscriptions import subscribers_of
from .types import Event, encode_event

NOTIFY_CHANNEL = "modkit_outbox"

# Observers of publish() (the test helper capture_events uses this).
_listeners: list[Callable[[Event], None]] = []


class PublishOutsideTransaction(DomainError):
    """``publish()`` was called with no transaction open on the publisher's database."""

    code = "publish_outside_transaction"
    http_status = 500


def publish(event: Event) -> Event:
    """Record ``event`` in its module's outbox, in the transaction that is open.

    The event is delivered if and only if that transaction commits. Publishing with no
    transaction open raises ``PublishOutsideTransaction``: a business change and its event
    committed separately could tear apart (wrap both in ``transaction.atomic()``). Returns the
    event as recorded, with ``correlation_id`` and ``causation_id`` filled from the context.
    """
    alias = database_of(event.module)
    connection = connections[alias]
    if not connection.in_atomic_block:
        raise PublishOutsideTransaction(
            f"publish({event.event_name}) needs an open transaction on database {alias!r}: "
            "wrap the change and the publish in transaction.atomic()"
        )
    cid = event.correlation_id or correlation.correlation_id.get() or correlation.new_id()
    stamped = msgspec.structs.replace(
        event,
        correlation_id=cid,
        causation_id=event.causation_id or correlation.causation_id.get(),
    )
    from ..models import Delivery, OutboxEvent

    now = timezone.now()
    row = OutboxEvent.objects.using(alias).create(
        event_id=stamped.event_id,
        name=stamped.event_name,
        module=stamped.module,
        payload=encode_event(stamped).decode(),
        correlation_id=stamped.correlation_id or "",
        causation_id=stamped.causation_id or "",
        created_at=now,
    )
    subs = subscribers_of(stamped.event_name)
    if subs:
        Delivery.objects.using(alias).bulk_create(
            Delivery(event=row, handler=s.handler, queue=s.queue, next_attempt_at=now) for s in subs
        )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"NOTIFY {NOTIFY_CHANNEL}")  # delivered when the transaction commits
    for listener in list(_listeners):
        listener(stamped)
    return stamped
