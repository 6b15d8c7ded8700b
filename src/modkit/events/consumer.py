"""The consumer side: apply one delivery exactly once, or record why it failed.

The handler's effect and an inbox entry unique per (event, handler) commit in one transaction on
the subscriber's database, so a redelivered event finds the entry and is skipped. The delivery
at the source is then marked done; if that acknowledgement is lost, the relay resends the stale
delivery and the inbox makes the resend a no-op. A handler that raises leaves no effect and no
inbox entry; the delivery goes back to pending with an exponential, jittered delay, and after
``MODKIT_EVENTS_MAX_ATTEMPTS`` it is parked as a dead letter with the error and traceback.
"""

from __future__ import annotations

import logging
import random
import traceback
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from .. import correlation
from ..db import database_of
from .subscriptions import handler
from .types import decode_event

logger = logging.getLogger("modkit.events")

HANDLED, DUPLICATE, RETRYING, DEAD = "handled", "duplicate", "retrying", "dead"


def backoff(attempts: int) -> float:
    """Seconds before attempt ``attempts + 1``: exponential from the base, capped, jittered ±50%."""
    base = float(getattr(settings, "MODKIT_EVENTS_BACKOFF_BASE", 1.0))
    cap = float(getattr(settings, "MODKIT_EVENTS_BACKOFF_MAX", 300.0))
    return min(cap, base * 2 ** max(0, attempts - 1)) * random.uniform(0.5, 1.5)


_STATEMENTS: dict[tuple[str, str], dict[str, str]] = {}


def _sql(alias: str) -> dict[str, str]:
    """The consumer's statements for ``alias``'s database, built once."""
    connection = connections[alias]
    statements = _STATEMENTS.get((alias, connection.vendor))
    if statements is None:
        from ..models import Delivery, InboxEntry

        done_state = Delivery.State.DONE.value
        inbox = connection.ops.quote_name(InboxEntry._meta.db_table)
        delivery = connection.ops.quote_name(Delivery._meta.db_table)
        claim = (
            f"INSERT INTO {inbox} (event_id, handler, handled_at) VALUES (%s, %s, %s) "
            "ON CONFLICT DO NOTHING"
        )
        done = (
            f"UPDATE {delivery} SET state = '{done_state}', done_at = %s, last_error = '', "
            f"last_traceback = '' WHERE id = %s AND state <> '{done_state}'"
        )
        statements = {"claim": claim, "done": done}
        if connection.vendor == "postgresql":
            # One round trip instead of two: PostgreSQL runs both in the handler's transaction,
            # so a handler that raises rolls the acknowledgement back with the inbox entry.
            statements["claim_and_done"] = (
                f"WITH claimed AS ({claim} RETURNING 1), done AS ({done}) "
                "SELECT count(*) FROM claimed"
            )
        _STATEMENTS[(alias, connection.vendor)] = statements
    return statements


def _claim(target: str, event_id: Any, handler_key: str, *, ack: int | None) -> bool:
    """Insert the inbox entry on ``target``; False if it exists (the event was already handled).

    With ``ack`` (a delivery id on the same database), the delivery is also marked done in the
    same transaction: in the same statement on PostgreSQL.
    """
    from ..models import InboxEntry

    connection = connections[target]
    sql = _sql(target)
    event_value = InboxEntry._meta.get_field("event_id").get_db_prep_value(event_id, connection)
    now = InboxEntry._meta.get_field("handled_at").get_db_prep_value(timezone.now(), connection)
    with connection.cursor() as cursor:
        if ack is not None and "claim_and_done" in sql:
            cursor.execute(sql["claim_and_done"], [event_value, handler_key, now, now, ack])
            return cursor.fetchone()[0] == 1
        cursor.execute(sql["claim"], [event_value, handler_key, now])
        fresh = cursor.rowcount == 1
        if ack is not None:
            cursor.execute(sql["done"], [now, ack])
        return fresh


def _mark_done(source: str, delivery_id: int) -> None:
    """Acknowledge a delivery at its source, after the effect committed on another database."""
    from ..models import Delivery

    connection = connections[source]
    now = Delivery._meta.get_field("done_at").get_db_prep_value(timezone.now(), connection)
    with connection.cursor() as cursor:
        cursor.execute(_sql(source)["done"], [now, delivery_id])


def still_held(source: str, delivery_ids: list[int]) -> int:
    """Stamp deliveries a worker holds, not yet started, as dispatched now, so that the relay's
    stale check does not take them for lost while the ones before them run (a message of
    several deliveries whose handlers take long). Returns how many were still dispatched."""
    from ..models import Delivery

    return (
        Delivery.objects.using(source)
        .filter(pk__in=delivery_ids, state=Delivery.State.DISPATCHED)
        .update(dispatched_at=timezone.now())
    )


def _record_failure(source: str, delivery_id: int, exc: BaseException) -> str:
    from ..models import Delivery

    max_attempts = int(getattr(settings, "MODKIT_EVENTS_MAX_ATTEMPTS", 8))
    with transaction.atomic(using=source):
        delivery = Delivery.objects.using(source).select_for_update().filter(pk=delivery_id).first()
        if delivery is None or delivery.state == Delivery.State.DONE:
            return DUPLICATE
        delivery.attempts += 1
        delivery.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        delivery.last_traceback = "".join(traceback.format_exception(exc))[-20000:]
        if delivery.attempts >= max_attempts:
            delivery.state = Delivery.State.DEAD
            outcome = DEAD
        else:
            delivery.state = Delivery.State.PENDING
            delivery.next_attempt_at = timezone.now() + timedelta(
                seconds=backoff(delivery.attempts)
            )
            outcome = RETRYING
        delivery.save(
            update_fields=["attempts", "last_error", "last_traceback", "state", "next_attempt_at"]
        )
    return outcome


def handle_delivery(
    *, delivery_id: int, source: str, name: str, payload: str | bytes, handler_key: str
) -> str:
    """Apply one delivery; returns ``handled``, ``duplicate``, ``retrying`` or ``dead``."""
    try:
        func = handler(handler_key)  # imports the receivers, and with them the event's type
        event = decode_event(name, payload)
    except Exception as exc:
        # Nothing can run: a handler this process does not know, or a payload it cannot read.
        # A failed attempt like any other, so that it ends as a dead letter an operator sees
        # (with the error and traceback), not in stale resends without end.
        outcome = _record_failure(source, delivery_id, exc)
        logger.error(
            "event %s delivery %s to %s cannot start (%s): %s",
            name,
            delivery_id,
            handler_key,
            outcome,
            exc,
        )
        return outcome
    target = database_of(handler_key.partition(".")[0])
    with correlation.bound(correlation=event.correlation_id, causation=str(event.event_id)):
        try:
            with transaction.atomic(using=target):
                fresh = _claim(
                    target,
                    event.event_id,
                    handler_key,
                    ack=delivery_id if target == source else None,
                )
                if fresh:
                    func(event)
            if target != source:
                _mark_done(source, delivery_id)
        except Exception as exc:
            outcome = _record_failure(source, delivery_id, exc)
            log = logger.error if outcome == DEAD else logger.warning
            log(
                "event %s %s by %s failed (%s): %s", name, event.event_id, handler_key, outcome, exc
            )
            return outcome
        outcome = HANDLED if fresh else DUPLICATE
        logger.info("event %s %s %s by %s", name, event.event_id, outcome, handler_key)
        return outcome
