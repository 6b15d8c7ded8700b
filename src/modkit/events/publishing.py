"""``publish(event)``: the event joins the caller's transaction through the outbox."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import msgspec
from django.db import connections
from django.utils import timezone

from .. import correlation
from ..db import database_of
from ..errors import DomainError
from .subscriptions import Subscription, subscribers_of
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
    now = timezone.now()
    subs = subscribers_of(stamped.event_name)
    record = _record_in_one_statement if connection.vendor == "postgresql" else _record
    record(alias, stamped, subs, now)
    for listener in list(_listeners):
        listener(stamped)
    return stamped


def _outbox_values(event: Event, now: datetime) -> dict[str, Any]:
    """The outbox row's fields (``_OUTBOX_FIELDS``)."""
    return {
        "event_id": event.event_id,
        "name": event.event_name,
        "module": event.module,
        "payload": encode_event(event).decode(),
        "correlation_id": event.correlation_id or "",
        "causation_id": event.causation_id or "",
        "created_at": now,
    }


def _record(alias: str, event: Event, subs: list[Subscription], now: datetime) -> None:
    """The outbox row and one pending delivery per subscriber, through the ORM."""
    from ..models import Delivery, OutboxEvent

    row = OutboxEvent.objects.using(alias).create(**_outbox_values(event, now))
    if subs:
        Delivery.objects.using(alias).bulk_create(
            Delivery(event=row, handler=s.handler, queue=s.queue, next_attempt_at=now) for s in subs
        )


def _record_in_one_statement(
    alias: str, event: Event, subs: list[Subscription], now: datetime
) -> None:
    """PostgreSQL: the outbox row, its deliveries and the relay's wake-up (``NOTIFY``, sent when
    the transaction commits) in one statement, so one round trip per publish. An event nobody
    subscribes to is the outbox row alone: nothing to deliver, no relay to wake."""
    from ..models import Delivery, OutboxEvent

    connection = connections[alias]
    outbox_values = _outbox_values(event, now)
    params: list[Any] = [
        OutboxEvent._meta.get_field(name).get_db_prep_save(outbox_values[name], connection)
        for name in _OUTBOX_FIELDS
    ]
    if subs:
        field = Delivery._meta.get_field("next_attempt_at")
        params.append(field.get_db_prep_save(now, connection))
    for s in subs:
        params += [s.handler, s.queue]
    with connection.cursor() as cursor:
        cursor.execute(_publish_sql(connection, len(subs)), params)


_OUTBOX_FIELDS = (
    "event_id",
    "name",
    "module",
    "payload",
    "correlation_id",
    "causation_id",
    "created_at",
)
_PUBLISH_SQL: dict[tuple[str, int], str] = {}


def _publish_sql(connection: Any, subscribers: int) -> str:
    key = (connection.alias, subscribers)
    sql = _PUBLISH_SQL.get(key)
    if sql is None:
        from ..models import Delivery, OutboxEvent

        q = connection.ops.quote_name
        outbox = ", ".join(q(OutboxEvent._meta.get_field(f).column) for f in _OUTBOX_FIELDS)
        delivery = ", ".join(
            q(Delivery._meta.get_field(f).column)
            for f in (
                "event", "handler", "queue", "state", "attempts", "next_attempt_at",
                "last_error", "last_traceback",
            )
        )  # fmt: skip
        placeholders = ", ".join(["%s"] * len(_OUTBOX_FIELDS))
        subscriber_rows = ", ".join(["(%s, %s)"] * subscribers)
        insert_event = (
            f"INSERT INTO {q(OutboxEvent._meta.db_table)} ({outbox}) VALUES ({placeholders})"
        )
        if subscribers:
            sql = (
                f"WITH event AS ({insert_event} RETURNING id), "
                f"wake AS (SELECT pg_notify('{NOTIFY_CHANNEL}', '')) "
                f"INSERT INTO {q(Delivery._meta.db_table)} ({delivery}) "
                f"SELECT event.id, s.handler, s.queue, '{Delivery.State.PENDING.value}', 0, %s, "
                f"'', '' FROM event, wake, (VALUES {subscriber_rows}) AS s (handler, queue)"
            )
        else:
            sql = insert_event
        _PUBLISH_SQL[key] = sql
    return sql
