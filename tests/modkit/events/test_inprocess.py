"""publish → outbox → drain → handlers, in-process (the deterministic test path)."""

import os
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from modkit import correlation
from modkit.events import PublishOutsideTransaction, publish
from modkit.models import Delivery, InboxEntry, OutboxEvent
from modkit.testing import capture_events, drain
from tests.modkit.events.eventmods.alpha.models import Effect as AlphaEffect
from tests.modkit.events.eventmods.beta.models import Effect as BetaEffect
from tests.modkit.events.eventmods.source.events import ThingHappened

pytestmark = pytest.mark.django_db


def _handle_args(delivery: Delivery, **overrides) -> dict:
    """``handle_delivery``'s arguments for ``delivery`` (its event selected), as a task's."""
    return {
        "delivery_id": delivery.pk,
        "source": "default",
        "name": delivery.event.name,
        "payload": delivery.event.payload,
        "handler_key": delivery.handler,
        **overrides,
    }


def test_publish_writes_outbox_and_one_delivery_per_subscriber():
    with capture_events() as captured:
        publish(ThingHappened(n=1))
    assert [e.n for e in captured] == [1]
    row = OutboxEvent.objects.get()
    assert row.name == "source.ThingHappened"
    handlers = sorted(Delivery.objects.values_list("handler", flat=True))
    assert handlers == ["alpha.record", "beta.flaky", "beta.fragile", "beta.record"]
    assert {d.queue for d in Delivery.objects.all()} == {"alpha", "beta"}


def test_drain_applies_each_handler_once_even_when_delivered_twice():
    publish(ThingHappened(n=7))
    assert drain() == {"handled": 4}
    assert AlphaEffect.objects.filter(n=7).count() == 1
    Delivery.objects.update(state=Delivery.State.PENDING)  # as if every message came back
    assert drain() == {"duplicate": 4}
    assert AlphaEffect.objects.count() == 1
    assert BetaEffect.objects.filter(handler="record").count() == 1
    assert InboxEntry.objects.count() == 4


def test_failing_handler_retries_then_succeeds_once(state_dir):
    publish(ThingHappened(n=3, fail_times=3))
    outcomes = drain()
    assert outcomes["retrying"] == 3
    flaky = Delivery.objects.get(handler="beta.flaky")
    assert flaky.state == Delivery.State.DONE
    assert flaky.attempts == 3
    assert BetaEffect.objects.filter(handler="flaky").count() == 1


def test_always_failing_handler_parks_as_dead_letter(state_dir, settings):
    settings.MODKIT_EVENTS_MAX_ATTEMPTS = 4
    (state_dir / "broken").touch()
    publish(ThingHappened(n=5, fragile=True))
    assert drain()["dead"] == 1
    dead = Delivery.objects.get(handler="beta.fragile")
    assert dead.state == Delivery.State.DEAD
    assert dead.attempts == 4
    assert "broken until the fix" in dead.last_error
    assert "Traceback" in dead.last_traceback
    assert not BetaEffect.objects.filter(handler="fragile").exists()


def test_drain_without_later_tries_a_handler_that_fails_during_it_once(state_dir, settings):
    """Even when the retry is due at once (no backoff), it waits for the next call: what a
    test sees after ``drain(include_later=False)`` does not depend on the machine's speed."""
    settings.MODKIT_EVENTS_BACKOFF_BASE = 0
    publish(ThingHappened(n=4, fail_times=2))
    assert drain(include_later=False) == {"handled": 3, "retrying": 1}
    flaky = Delivery.objects.get(handler="beta.flaky")
    assert (flaky.state, flaky.attempts) == (Delivery.State.PENDING, 1)
    assert drain(include_later=False) == {"retrying": 1}  # due when this call began
    assert drain(include_later=False) == {"handled": 1}
    assert Delivery.objects.get(handler="beta.flaky").state == Delivery.State.DONE


@pytest.mark.django_db(transaction=True)
def test_publish_outside_a_transaction_is_refused():
    with pytest.raises(PublishOutsideTransaction, match=r"transaction\.atomic"):
        publish(ThingHappened(n=0))
    assert not OutboxEvent.objects.exists()
    with transaction.atomic():
        publish(ThingHappened(n=0))
    assert OutboxEvent.objects.count() == 1


def test_rolled_back_transaction_publishes_nothing():
    def change_that_fails() -> None:
        with transaction.atomic():
            publish(ThingHappened(n=9))
            raise RuntimeError("business change failed")

    with pytest.raises(RuntimeError):
        change_that_fails()
    assert not OutboxEvent.objects.exists()
    assert drain() == {}


def test_publish_records_the_same_rows_on_every_database():
    """PostgreSQL writes the outbox row, its deliveries and the NOTIFY in one statement; the
    rows are those the ORM path writes elsewhere."""
    from modkit.events.types import decode_event

    with transaction.atomic():
        event = publish(ThingHappened(n=11))
    row = OutboxEvent.objects.get()
    assert row.event_id == event.event_id
    assert (row.name, row.module) == ("source.ThingHappened", "source")
    assert decode_event(row.name, row.payload) == event
    assert row.correlation_id == event.correlation_id != ""
    deliveries = Delivery.objects.filter(event=row)
    assert deliveries.count() == 4
    for d in deliveries:
        assert (d.state, d.attempts, d.last_error, d.last_traceback) == ("pending", 0, "", "")
        assert d.dispatched_at is None
        assert d.done_at is None
        assert d.next_attempt_at == row.created_at


def test_a_failing_handler_rolls_back_its_acknowledgement(state_dir):
    """The delivery is marked done in the handler's transaction (one statement with the inbox
    entry on PostgreSQL): a handler that raises leaves it open, with no inbox entry."""
    from modkit.events.consumer import RETRYING, handle_delivery

    publish(ThingHappened(n=4, fail_times=1))
    flaky = Delivery.objects.select_related("event").get(handler="beta.flaky")
    args = _handle_args(flaky)
    assert handle_delivery(**args) == RETRYING
    flaky.refresh_from_db()
    assert (flaky.state, flaky.attempts, flaky.done_at) == ("pending", 1, None)
    assert not InboxEntry.objects.filter(handler="beta.flaky").exists()
    assert handle_delivery(**args) == "handled"
    flaky.refresh_from_db()
    assert (flaky.state, flaky.last_error) == ("done", "")
    assert flaky.done_at is not None
    assert handle_delivery(**args) == "duplicate"
    assert BetaEffect.objects.filter(handler="flaky").count() == 1


@pytest.mark.django_db(transaction=True)
def test_relay_does_not_wait_for_nor_resend_a_delivery_being_handled(postgres):
    """A handler holds its delivery's row lock until it commits; the relay's stale check skips
    that row instead of blocking behind it, and resends only the ones nobody holds."""
    import threading
    import time
    from datetime import timedelta

    from django.db import connections
    from django.utils import timezone

    from modkit.events.consumer import _claim
    from modkit.events.relay import Relay

    with transaction.atomic():
        publish(ThingHappened(n=9))
    Delivery.objects.update(
        state=Delivery.State.DISPATCHED, dispatched_at=timezone.now() - timedelta(minutes=5)
    )
    held = Delivery.objects.select_related("event").get(handler="alpha.record")
    claimed, release = threading.Event(), threading.Event()

    def handler_running() -> None:
        try:
            with transaction.atomic():
                assert _claim("default", held.event.event_id, held.handler, ack=held.pk)
                claimed.set()
                release.wait(30)
        finally:
            connections.close_all()

    thread = threading.Thread(target=handler_running)
    thread.start()
    try:
        assert claimed.wait(10)
        relay = Relay(aliases=["default"], resend_after=60)
        relay._queue_depth = lambda queue: 0  # every queue empty: the messages were lost
        began = time.monotonic()
        assert relay.requeue_stale("default") == 3
        assert time.monotonic() - began < 5
    finally:
        release.set()
        thread.join(10)
    held.refresh_from_db()
    assert held.state == Delivery.State.DONE
    assert Delivery.objects.filter(state=Delivery.State.PENDING).count() == 3


def test_the_relay_claims_due_deliveries_in_id_order_up_to_a_batch():
    """The claim (one statement on PostgreSQL, the ORM elsewhere) marks what it returns
    dispatched at the pass's time, and returns what the message needs of each event."""
    from datetime import timedelta

    from django.utils import timezone

    from modkit.events.relay import Relay

    for n in range(3):
        publish(ThingHappened(n=n))  # four subscribers: 12 deliveries
    relay = Relay(aliases=["default"], batch_size=5)
    now = timezone.now()
    with transaction.atomic():
        batch = relay._claim("default", now)
    ids = [due.pk for due in batch]
    everyone = sorted(Delivery.objects.values_list("pk", flat=True))
    assert ids == everyone[:5]
    claimed = Delivery.objects.filter(pk__in=ids)
    assert {(d.state, d.dispatched_at) for d in claimed} == {(Delivery.State.DISPATCHED, now)}
    first = Delivery.objects.select_related("event").get(pk=ids[0])
    assert tuple(batch[0]) == (
        first.pk,
        first.handler,
        first.queue,
        first.event.name,
        first.event.payload,
        first.event.correlation_id,
        first.event.event_id,
    )
    Delivery.objects.filter(pk=everyone[5]).update(next_attempt_at=now + timedelta(hours=1))
    with transaction.atomic():
        rest = relay._claim("default", now)
    assert [due.pk for due in rest] == everyone[6:11]  # not the one due in an hour
    with transaction.atomic():
        assert len(relay._claim("default", now)) == 1  # the last one due; then nothing
        assert relay._claim("default", now) == []
    assert Delivery.objects.filter(state=Delivery.State.PENDING).count() == 1


def test_the_relay_checks_for_stale_deliveries_once_per_poll_interval(monkeypatch):
    """A busy relay wakes at every publishing commit; its stale check runs on the first pass
    and then at most once per poll interval."""
    import types

    from modkit.events import relay as relay_module
    from modkit.events.relay import Relay

    now = [1000.0]  # the relay's clock, moved by hand: a slow machine cannot make this flaky
    monkeypatch.setattr(relay_module, "time", types.SimpleNamespace(monotonic=lambda: now[0]))
    relay = Relay(aliases=["default"], poll_interval=0.5, resend_after=60)
    checks: list[str] = []
    relay.requeue_stale = checks.append  # counts the checks; dispatching stays real
    for _ in range(5):
        relay.run_once()
        now[0] += 0.09
    assert checks == ["default"]
    now[0] += 0.1  # 0.55 s after the first check
    relay.run_once()
    relay.run_once()
    assert checks == ["default", "default"]
    short = Relay(aliases=["default"], poll_interval=30, resend_after=0)
    short.requeue_stale = checks.append
    short.run_once()
    short.run_once()
    assert checks == ["default"] * 4  # never rarer than resend_after


@pytest.mark.parametrize("task", ["deliver", "deliver_many"])
@pytest.mark.parametrize(("configured", "acks_late"), [(False, False), (True, True)])
def test_a_delivery_is_acknowledged_as_its_handler_starts_unless_configured(
    configured, acks_late, task
):
    """The outbox resends a lost delivery, so the broker need not hold its message through the
    handler (docs/events.md); MODKIT_EVENTS_ACKS_LATE=1 makes it do so anyway."""
    env = {k: v for k, v in os.environ.items() if k != "MODKIT_EVENTS_ACKS_LATE"}
    if configured:
        env["MODKIT_EVENTS_ACKS_LATE"] = "1"
    code = f"import django; django.setup(); import modkit.tasks as t; print(t.{task}.acks_late)"
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == str(acks_late)


def _sent_messages(monkeypatch) -> list[dict]:
    """What the relay hands Celery to send: task, queue, delivery ids and our headers."""
    from modkit.tasks import deliver

    sent: list[dict] = []

    def send_task_message(producer, name, message, queue=None, headers=None, **kwargs):
        args = tuple(message.body[0])
        ids = [d[0] for d in args[1]] if name == "modkit.deliver_many" else [args[0]]
        sent.append({"task": name, "queue": queue.name, "ids": ids, "args": args, **headers})

    monkeypatch.setattr(deliver.app.amqp, "send_task_message", send_task_message)
    return sent


def _ids(queue: str) -> list[int]:
    return list(Delivery.objects.filter(queue=queue).order_by("id").values_list("pk", flat=True))


def test_the_relay_packs_a_queues_deliveries_into_messages_of_at_most_the_setting(monkeypatch):
    """Deliveries of one queue share messages, in id order, up to ``per_message`` each; a lone
    one goes as ``modkit.deliver``, with its event's ids in the headers."""
    from modkit.events.relay import Relay

    sent = _sent_messages(monkeypatch)
    with transaction.atomic(), correlation.bound(correlation="req-1"):
        for n in range(3):
            publish(ThingHappened(n=n))  # alpha: 3 deliveries; beta: 9
    alpha, beta = _ids("alpha"), _ids("beta")
    assert Relay(aliases=["default"], per_message=4).run_once() == 12
    assert [(m["task"], m["queue"], m["ids"]) for m in sent] == [
        ("modkit.deliver_many", "alpha", alpha),
        ("modkit.deliver_many", "beta", beta[:4]),
        ("modkit.deliver_many", "beta", beta[4:8]),
        ("modkit.deliver", "beta", beta[8:]),
    ]
    assert {m["modkit_correlation_id"] for m in sent} == {"req-1"}  # the ids they share
    lone = Delivery.objects.select_related("event").get(pk=beta[8])
    assert sent[3]["modkit_causation_id"] == str(lone.event.event_id)
    assert sent[3]["args"] == (
        lone.pk,
        "default",
        lone.event.name,
        lone.event.payload,
        lone.handler,
    )
    assert Delivery.objects.exclude(state=Delivery.State.DISPATCHED).count() == 0


def test_a_message_of_deliveries_from_several_requests_names_each_in_its_headers(monkeypatch):
    """Each correlation id once, each event id, comma-separated: a grep for one request finds
    the task's log lines too."""
    from modkit.events.relay import Relay

    sent = _sent_messages(monkeypatch)
    with transaction.atomic():
        for request in ("req-1", "req-2"):
            with correlation.bound(correlation=request):
                publish(ThingHappened(n=1))
    Relay(aliases=["default"], per_message=10).run_once()
    assert [(m["queue"], len(m["ids"])) for m in sent] == [("alpha", 2), ("beta", 6)]
    assert [m["modkit_correlation_id"] for m in sent] == ["req-1,req-2", "req-1,req-2"]
    for message in sent:
        events = Delivery.objects.filter(pk__in=message["ids"]).order_by("id")
        assert message["modkit_causation_id"] == ",".join(
            str(d.event.event_id) for d in events.select_related("event")
        )


def test_one_delivery_per_message_sends_each_on_its_own(monkeypatch):
    from modkit.events.relay import Relay

    sent = _sent_messages(monkeypatch)
    with transaction.atomic():
        publish(ThingHappened(n=1))
    Relay(aliases=["default"], per_message=1).run_once()
    assert [(m["task"], m["ids"]) for m in sent] == [
        ("modkit.deliver", [pk]) for pk in sorted(_ids("alpha") + _ids("beta"))
    ]


def test_a_message_of_deliveries_applies_each_in_its_own_transaction(state_dir):
    """One handler failing, or one delivery that cannot even start, holds back none of the
    others in its message: each is handled or retried on its own."""
    from modkit.tasks import deliver_many

    (state_dir / "broken").touch()
    with transaction.atomic():
        publish(ThingHappened(n=1, fragile=True, fail_times=1))
        publish(ThingHappened(n=2))
    beta = Delivery.objects.filter(queue="beta").select_related("event").order_by("id")
    message = [[d.pk, d.event.name, d.event.payload, d.handler] for d in beta]
    undecodable = Delivery.objects.filter(queue="alpha").order_by("id").first()
    message.insert(1, [undecodable.pk, "source.ThingHappened", "{not json", "alpha.record"])
    an_hour_ago = timezone.now() - timedelta(hours=1)
    Delivery.objects.update(state=Delivery.State.DISPATCHED, dispatched_at=an_hour_ago)
    outcomes = deliver_many("default", message, time.time())
    n = {e.pk: i for i, e in enumerate(OutboxEvent.objects.order_by("id"), start=1)}
    label = {d.pk: f"{d.handler} of {n[d.event_id]}" for d in beta}
    label[undecodable.pk] = "undecodable"
    by_delivery = dict(zip([label[m[0]] for m in message], outcomes, strict=True))
    assert by_delivery == {
        "beta.flaky of 1": "retrying",  # failing once on purpose
        "beta.fragile of 1": "retrying",  # broken
        "beta.record of 1": "handled",
        "undecodable": "retrying",  # cannot start: a failed attempt, and the rest go on
        "beta.flaky of 2": "handled",
        "beta.fragile of 2": "handled",
        "beta.record of 2": "handled",
    }
    assert BetaEffect.objects.count() == 2  # the two records
    undecodable.refresh_from_db()
    assert (undecodable.state, undecodable.attempts) == (Delivery.State.PENDING, 1)
    assert "DecodeError" in undecodable.last_error
    states = list(Delivery.objects.filter(queue="beta").values_list("state", flat=True))
    assert sorted(states) == sorted([Delivery.State.DONE] * 4 + [Delivery.State.PENDING] * 2)
    (state_dir / "broken").unlink()
    Delivery.objects.filter(pk=undecodable.pk).update(state=Delivery.State.DONE)  # not drained
    assert drain(include_later=True) == {"handled": 2}  # the two retries, now succeeding
    assert BetaEffect.objects.count() == 4


def test_a_long_message_renews_the_dispatched_stamp_of_the_deliveries_still_to_come(
    monkeypatch,
):
    """A delivery waiting its turn in a message is neither queued nor locked: once the relay's
    stamp is half RESEND_AFTER old, the worker renews it, so the stale check leaves it alone."""
    import modkit.tasks
    from modkit.events.consumer import handle_delivery

    with transaction.atomic():
        publish(ThingHappened(n=1))
        publish(ThingHappened(n=2))
    mine = list(Delivery.objects.filter(handler="alpha.record").order_by("id"))
    an_hour_ago = timezone.now() - timedelta(hours=1)
    Delivery.objects.update(state=Delivery.State.DISPATCHED, dispatched_at=an_hour_ago)
    stamps_as_they_start: list = []

    def handle_and_see(**kwargs):  # the real handler, watched
        stamps_as_they_start.append(Delivery.objects.get(pk=kwargs["delivery_id"]).dispatched_at)
        return handle_delivery(**kwargs)

    monkeypatch.setattr(modkit.tasks, "handle_delivery", handle_and_see)
    message = [[d.pk, d.event.name, d.event.payload, d.handler] for d in mine]
    before = timezone.now()
    assert modkit.tasks.deliver_many("default", message, time.time()) == ["handled"] * 2
    assert stamps_as_they_start == [an_hour_ago] * 2, "a fresh stamp: nothing renewed"
    Delivery.objects.filter(pk__in=[d.pk for d in mine]).update(
        state=Delivery.State.DISPATCHED, dispatched_at=an_hour_ago
    )
    stamps_as_they_start.clear()
    assert (
        modkit.tasks.deliver_many("default", message, an_hour_ago.timestamp()) == ["duplicate"] * 2
    )
    assert all(stamp >= before for stamp in stamps_as_they_start), stamps_as_they_start
    untouched = Delivery.objects.filter(handler="beta.record")
    assert {d.dispatched_at for d in untouched} == {an_hour_ago}, "only the message's own"


def test_a_delivery_that_cannot_start_fails_like_a_handler_and_ends_a_dead_letter(settings):
    """A handler this process does not know, or a payload it cannot read: a failed attempt with
    its error, retried with backoff, then a dead letter an operator sees."""
    from modkit.events.consumer import handle_delivery

    settings.MODKIT_EVENTS_MAX_ATTEMPTS = 2
    with transaction.atomic():
        publish(ThingHappened(n=1))
    delivery = Delivery.objects.select_related("event").get(handler="alpha.record")
    unknown = _handle_args(delivery, handler_key="alpha.no_such_handler")
    assert handle_delivery(**unknown) == "retrying"
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (Delivery.State.PENDING, 1)
    assert "no handler 'alpha.no_such_handler'" in delivery.last_error
    assert "LookupError" in delivery.last_traceback
    unreadable = {**unknown, "handler_key": "alpha.record", "payload": "{not json"}
    assert handle_delivery(**unreadable) == "dead"
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (Delivery.State.DEAD, 2)
    assert "DecodeError" in delivery.last_error
    assert not AlphaEffect.objects.exists()
