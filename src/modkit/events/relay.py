"""The relay: moves due deliveries from outboxes to the broker, and resends stale ones.

Several relays may run at once. Each batch is claimed with ``SELECT … FOR UPDATE SKIP LOCKED``
on PostgreSQL, so two relays never dispatch the same delivery; on SQLite the write transaction
(``BEGIN IMMEDIATE``) serializes them instead. Messages are sent while the batch is locked and
the batch is marked dispatched in the same transaction: a relay killed mid-batch leaves its rows
pending for the next one (the messages it did send are duplicates the consumers' inbox absorbs).

A dispatched delivery that is not done within ``MODKIT_EVENTS_RESEND_AFTER`` seconds (its
message was lost with a broker that restarted empty, or its worker was killed) goes back to
pending. On PostgreSQL the relay sleeps on ``LISTEN modkit_outbox`` and wakes at each commit
that published; elsewhere it polls every ``MODKIT_EVENTS_POLL_INTERVAL`` seconds.

A batch's deliveries for one queue go out together, up to ``MODKIT_EVENTS_DELIVERIES_PER_MESSAGE``
to a message: a worker then pays the broker's and Celery's cost per message once for several
deliveries. Each delivery is still handled, acknowledged, retried and resent on its own.
"""

from __future__ import annotations

import contextlib
import logging
import select
import threading
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from celery.utils import uuid
from celery.utils.nodenames import anon_nodename
from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from ..correlation import CAUSATION_HEADER, CORRELATION_HEADER
from ..db import module_databases
from .publishing import NOTIFY_CHANNEL

logger = logging.getLogger("modkit.relay")


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


def _publish_batch(producer: Any, size: int) -> AbstractContextManager[Any]:
    """Buffer a batch's messages and send them in one round trip where the transport can
    (kombu >= 5.7: a Redis pipeline), at the end of the block; elsewhere each is sent at once.
    A block that raises sends none of what it buffered, so its deliveries stay pending."""
    batch = getattr(producer, "batch", None)
    return batch(max_size=max(1, size)) if batch is not None else contextlib.nullcontext()


class _Due(NamedTuple):
    """What the relay sends of one due delivery and its event."""

    pk: int
    handler: str
    queue: str
    name: str
    payload: str
    correlation_id: str
    event_id: Any


_CLAIM_SQL: dict[str, str] = {}


def _claim_sql(alias: str) -> str:
    """PostgreSQL: lock a batch of due deliveries, mark it dispatched and read its events, in
    one statement (the ORM takes two, and compiling them was most of a small batch's CPU)."""
    sql = _CLAIM_SQL.get(alias)
    if sql is None:
        from ..models import Delivery, OutboxEvent

        quote = connections[alias].ops.quote_name
        delivery = quote(Delivery._meta.db_table)
        event = quote(OutboxEvent._meta.db_table)
        pending = Delivery.State.PENDING.value
        dispatched = Delivery.State.DISPATCHED.value
        sql = _CLAIM_SQL[alias] = (
            f"WITH batch AS (SELECT id FROM {delivery} WHERE state = '{pending}' "
            f"AND next_attempt_at <= %s ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED), "
            f"marked AS (UPDATE {delivery} AS d SET state = '{dispatched}', dispatched_at = %s "
            f"FROM batch WHERE d.id = batch.id RETURNING d.id, d.handler, d.queue, d.event_id) "
            f"SELECT m.id, m.handler, m.queue, e.name, e.payload, e.correlation_id, e.event_id "
            f"FROM marked AS m JOIN {event} AS e ON e.id = m.event_id ORDER BY m.id"
        )
    return sql


def _send(
    app: Any,
    producer: Any,
    dues: list[_Due],
    alias: str,
    origin: str,
    *,
    declare: bool,
    dispatched_at: datetime,
) -> None:
    """One message on the subscriber's queue for ``dues`` (deliveries of one queue, in order):
    ``modkit.deliver`` for one, ``modkit.deliver_many`` for several.

    What ``app.send_task`` would send, built with ``app.amqp`` directly: the relay knows the task,
    its queue and its options, so it skips send_task's per-message routing, option merging and
    settings lookups, and declares each queue once per batch instead of once per message (about
    half of the relay's CPU per delivery).
    """
    from ..tasks import DELIVER_MANY_TASK, DELIVER_TASK

    amqp = app.amqp
    first = dues[0]
    if len(dues) == 1:
        task = DELIVER_TASK
        args: tuple[Any, ...] = (first.pk, alias, first.name, first.payload, first.handler)
        # What logs and monitoring show of the arguments: not the payload (Celery would repr
        # it, truncated, for every message).
        argsrepr = f"({first.pk}, {alias!r}, {first.name!r}, ..., {first.handler!r})"
        headers = {CORRELATION_HEADER: first.correlation_id, CAUSATION_HEADER: str(first.event_id)}
    else:
        task = DELIVER_MANY_TASK
        args = (
            alias,
            [(d.pk, d.name, d.payload, d.handler) for d in dues],
            dispatched_at.timestamp(),
        )
        argsrepr = f"({alias!r}, [deliveries {', '.join(str(d.pk) for d in dues)}])"
        # Every delivery's ids, comma-separated (a valid correlation id has no comma), the
        # correlation ids once each: grepping for one finds the task's log lines as well. Each
        # handler runs with its own event's ids, whatever the headers say.
        headers = {
            CORRELATION_HEADER: ",".join(dict.fromkeys(d.correlation_id for d in dues)),
            CAUSATION_HEADER: ",".join(str(d.event_id) for d in dues),
        }
    message = amqp.create_task_message(
        uuid(),
        task,
        args,
        {},
        ignore_result=True,
        argsrepr=argsrepr,
        kwargsrepr="{}",
        origin=origin,
    )
    queue = amqp.queues[first.queue]  # created on first use, like send_task's routing does
    amqp.send_task_message(
        producer, task, message, queue=queue, declare=[queue] if declare else [], headers=headers
    )


def _messages(batch: list[_Due], per_message: int) -> list[list[_Due]]:
    """The batch's deliveries grouped by queue, in id order, at most ``per_message`` a group."""
    by_queue: dict[str, list[_Due]] = {}
    for due in batch:
        by_queue.setdefault(due.queue, []).append(due)
    return [
        dues[i : i + per_message]
        for dues in by_queue.values()
        for i in range(0, len(dues), per_message)
    ]


@dataclass
class Relay:
    aliases: list[str] = field(default_factory=list)
    batch_size: int = 500
    resend_after: float = 60.0
    poll_interval: float = 1.0
    per_message: int = 10
    stop: threading.Event = field(default_factory=threading.Event)
    _listeners: dict[str, Any] = field(default_factory=dict)
    _stale_checked_at: dict[str, float] = field(default_factory=dict)
    dispatched_total: int = 0

    @classmethod
    def from_settings(cls, **overrides: Any) -> Relay:
        from ..modules import registry

        options = {
            "aliases": module_databases(registry.hosted),
            "batch_size": int(_setting("MODKIT_EVENTS_BATCH_SIZE", 500)),
            "resend_after": _setting("MODKIT_EVENTS_RESEND_AFTER", 60.0),
            "poll_interval": _setting("MODKIT_EVENTS_POLL_INTERVAL", 1.0),
            "per_message": int(_setting("MODKIT_EVENTS_DELIVERIES_PER_MESSAGE", 10)),
        }
        options.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**options)

    # one pass ----------------------------------------------------------------------------
    def dispatch_due(self, alias: str) -> int:
        """Send one batch of due deliveries of ``alias``; returns how many were sent."""
        from ..tasks import deliver

        app = deliver.app
        now = timezone.now()
        with transaction.atomic(using=alias):
            batch = self._claim(alias, now)
            if not batch:
                return 0
            # Each queue is declared with its batch's first message for it (a broker that
            # restarted empty gets it back). Were the connection lost and the broker emptied in
            # the middle of a batch, later messages could go unroutable: lost messages, which
            # the stale check resends like any other.
            declared: set[str] = set()
            origin = anon_nodename()
            messages = _messages(batch, self.per_message)
            with app.producer_or_acquire() as producer, _publish_batch(producer, len(messages)):
                for dues in messages:
                    queue = dues[0].queue
                    _send(
                        app,
                        producer,
                        dues,
                        alias,
                        origin,
                        declare=queue not in declared,
                        dispatched_at=now,
                    )
                    declared.add(queue)
        self.dispatched_total += len(batch)
        return len(batch)

    def _claim(self, alias: str, now: datetime) -> list[_Due]:
        """Lock up to a batch of due deliveries and mark them dispatched, in the caller's
        transaction: a relay that dies before its commit leaves them pending."""
        from ..models import Delivery

        connection = connections[alias]
        if connection.vendor == "postgresql":
            stamp = Delivery._meta.get_field("dispatched_at").get_db_prep_value(now, connection)
            with connection.cursor() as cursor:
                cursor.execute(_claim_sql(alias), [stamp, self.batch_size, stamp])
                return [_Due(*row) for row in cursor.fetchall()]
        # Elsewhere (SQLite) the write transaction serializes the relays.
        rows = list(
            Delivery.objects.using(alias)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("event")
            .filter(state=Delivery.State.PENDING, next_attempt_at__lte=now)
            .order_by("id")[: self.batch_size]
        )
        if rows:
            Delivery.objects.using(alias).filter(pk__in=[d.pk for d in rows]).update(
                state=Delivery.State.DISPATCHED, dispatched_at=now
            )
        return [
            _Due(
                d.pk,
                d.handler,
                d.queue,
                d.event.name,
                d.event.payload,
                d.event.correlation_id,
                d.event.event_id,
            )
            for d in rows
        ]

    def requeue_stale(self, alias: str) -> int:
        """Put deliveries dispatched too long ago without an acknowledgement back to pending.

        Only for queues the broker reports empty: a message still waiting in its queue is late,
        not lost, and resending it would multiply a backlog (a worker outage longer than
        ``resend_after`` would otherwise resend everything queued, then the resends).
        """
        from ..models import Delivery

        now = timezone.now()
        stale = Delivery.objects.using(alias).filter(
            state=Delivery.State.DISPATCHED,
            dispatched_at__lt=now - timedelta(seconds=self.resend_after),
        )
        queues = set(stale.values_list("queue", flat=True).distinct())
        if not queues:
            return 0
        drained = sorted(q for q in queues if self._queue_depth(q) == 0)
        count = 0
        if drained:
            # A locked row is being handled right now (the consumer marks it done at the start of
            # the handler's transaction): late, not lost, and not worth waiting for.
            unlocked = (
                stale.filter(queue__in=drained)
                .order_by()
                .select_for_update(skip_locked=True)
                .values("pk")
            )
            with transaction.atomic(using=alias):
                count = stale.filter(pk__in=unlocked).update(
                    state=Delivery.State.PENDING, next_attempt_at=now
                )
        if count:
            logger.warning(
                "relay: %d deliveries on %s went stale (queues %s empty); resending",
                count,
                alias,
                ", ".join(drained),
            )
        return count

    def _queue_depth(self, queue: str) -> int:
        """Messages ready in ``queue`` on the broker (0 when it is gone or cannot be asked)."""
        from ..tasks import deliver

        try:
            with deliver.app.connection_for_write() as connection:
                return connection.default_channel.queue_declare(
                    queue=queue, passive=True
                ).message_count
        except Exception:  # a missing queue, or a broker that can't say: treat as lost
            return 0

    def run_once(self) -> int:
        """One pass over every database: requeue stale, then dispatch what is due.

        The stale check runs on the first pass and then at most once per poll interval (or per
        ``resend_after``, if shorter): a busy relay wakes at every publishing commit, hundreds
        of times a second, and a delivery goes stale only after ``resend_after`` anyway.
        """
        sent = 0
        now = time.monotonic()
        every = min(self.poll_interval, self.resend_after)
        for alias in self.aliases:
            last = self._stale_checked_at.get(alias)
            if last is None or now - last >= every:
                self._stale_checked_at[alias] = now
                self.requeue_stale(alias)
            while True:
                n = self.dispatch_due(alias)
                sent += n
                if n < self.batch_size or self.stop.is_set():
                    break
        return sent

    # the loop --------------------------------------------------------------------------
    def run_forever(self) -> None:
        logger.info(
            "relay: watching %s (batch %d, up to %d deliveries a message, resend after %ss)",
            ", ".join(self.aliases),
            self.batch_size,
            self.per_message,
            self.resend_after,
        )
        self._listen()
        try:
            while not self.stop.is_set():
                try:
                    self.run_once()
                except Exception:
                    logger.exception("relay: pass failed; retrying")
                    for alias in self.aliases:
                        connections[alias].close()
                    self.stop.wait(min(5.0, self.poll_interval * 5))
                    continue
                self._wait()
        finally:
            for conn in self._listeners.values():
                conn.close()
            for alias in self.aliases:
                connections[alias].close()
            logger.info("relay: stopped after dispatching %d deliveries", self.dispatched_total)

    def _listen(self) -> None:
        for alias in self.aliases:
            conn = connections[alias]
            if conn.vendor != "postgresql":
                continue
            listener = conn.get_new_connection(conn.get_connection_params())
            listener.autocommit = True
            listener.execute(f"LISTEN {NOTIFY_CHANNEL}")
            self._listeners[alias] = listener

    def _wait(self) -> None:
        """Sleep until a publishing commit is notified, the poll interval passes, or stop."""
        if not self._listeners:
            self.stop.wait(self.poll_interval)
            return
        deadline = time.monotonic() + self.poll_interval
        while not self.stop.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            ready, _, _ = select.select(
                [c.fileno() for c in self._listeners.values()], [], [], min(remaining, 0.5)
            )
            if ready:
                for conn in self._listeners.values():
                    for _ in conn.notifies(timeout=0):
                        pass
                return
