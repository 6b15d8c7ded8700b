"""The event guarantees on the real stack: PostgreSQL, Redis or RabbitMQ, `manage.py relay` and
`celery -A config worker` processes, killed and restarted the hard way.

Each test has its own databases, its own broker (a Redis database or a RabbitMQ vhost) and its
own processes (tests/modkit/events/stack.py), so they run in parallel with pytest -n. Effects
are counted with SQL: `alpha_effect` / `beta_effect` hold one row per handled event, so a
duplicate shows as more rows than distinct event ids.

The relays run with a resend delay (MODKIT_EVENTS_RESEND_AFTER) far above the time the queues
take to drain, as in production: a shorter one would resend every message still waiting in a
queue, again and again (see stack.NO_RESEND). Where a test loses messages (a worker killed, the
broker flushed), it runs the relay with a short resend delay once the queues are drained, so
that what it resends is exactly what was lost, or still in a worker's hands.
"""

from __future__ import annotations

import re
import time

import pytest

from tests.modkit.events.stack import (
    BROKERS,
    HANDLERS,
    Database,
    Stack,
    fresh_database,
    migrated_stack,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

EVENTS = 1000
DELIVERIES = EVENTS * len(HANDLERS)
# Seconds for 4,000 deliveries: about a minute on an idle two-core machine, three under load.
DRAIN_TIMEOUT = 420
SLOW_BETA = {"MODKIT_TEST_HANDLER_DELAY": "0.01"}  # beta.record sleeps: handlers in flight
# The worker to be killed spends nearly all its time inside beta.record's transaction, so the
# SIGKILL lands mid-handler (with 10 ms, a kill between two fast handlers lost nothing at times).
SLOWEST_BETA = {"MODKIT_TEST_HANDLER_DELAY": "0.5"}


@pytest.fixture
def broker(request):
    """Redis unless the test is parametrized with ``broker`` (indirect)."""
    with BROKERS[getattr(request, "param", "redis")]() as broker:
        yield broker


@pytest.fixture
def database():
    with fresh_database("default") as database:
        yield database


@pytest.fixture
def stack(tmp_path, database, broker):
    with migrated_stack(tmp_path, database, broker) as stack:
        yield stack


both_brokers = pytest.mark.parametrize("broker", ["redis", "rabbitmq"], indirect=True)


def assert_each_handler_applied_once(stack: Stack, events: int) -> None:
    assert stack.states() == {"done": events * len(HANDLERS)}, stack.report()
    for module in ("alpha", "beta"):
        rows, distinct = stack.effects(module)
        assert (rows, distinct) == (events, events), (
            f"{module}.record: {rows} effect rows for {distinct} distinct events, "
            f"expected exactly one row for each of {events}"
        )
    inbox = stack.database.value("SELECT count(*) FROM modkit_inboxentry")
    assert inbox == events * len(HANDLERS)


def drain_queues_then_resend_the_lost(stack: Stack) -> None:
    """Once nothing is pending or waiting on the broker and the workers have finished what they
    held, every delivery not done was lost: a relay with a short resend delay sends those again
    (and only those, so that ``stack.resends()`` counts what was lost)."""
    stack.wait_until(
        "the relay to dispatch everything and the workers to take every message",
        lambda: "pending" not in stack.states() and stack.broker.queued() == 0,
        timeout=DRAIN_TIMEOUT,
    )
    # A worker may still hold a message it took and has not started (a prefetch of one per
    # pool process): settled when nothing more gets done for a few seconds.
    last = {"done": -1, "at": time.monotonic()}

    def settled() -> bool:
        done = stack.done()
        if done != last["done"]:
            last.update(done=done, at=time.monotonic())
            return False
        return time.monotonic() - last["at"] >= 2

    stack.wait_until("the workers to finish what they hold", settled, timeout=DRAIN_TIMEOUT)
    stack.start_relay("relay-resending", "--resend-after", "2")


@both_brokers
def test_every_handler_applies_each_of_1000_events_once(stack):
    stack.start_relay()
    stack.start_worker()
    stack.publish(EVENTS, "--per-transaction", "50")
    stack.wait_all_done(DELIVERIES, timeout=DRAIN_TIMEOUT)
    assert_each_handler_applied_once(stack, EVENTS)
    assert stack.resends() == 0, "nothing was lost, so nothing should have been resent"


@both_brokers
def test_a_worker_killed_mid_handler_loses_and_duplicates_nothing(stack):
    stack.start_relay()
    stack.start_worker("worker-1", **SLOWEST_BETA)
    stack.start_worker("worker-2", **SLOW_BETA)
    stack.publish(EVENTS, "--per-transaction", "50")
    stack.wait_until("a third done", lambda: stack.done() >= DELIVERIES // 3, timeout=DRAIN_TIMEOUT)
    stack.kill("worker-1")  # SIGKILL to it and its pool: handlers die mid-transaction
    done_at_kill = stack.done()
    assert done_at_kill < DELIVERIES, "everything was done before the kill: nothing was tested"
    stack.start_worker("worker-3", **SLOW_BETA)
    drain_queues_then_resend_the_lost(stack)
    stack.wait_all_done(DELIVERIES, timeout=120)
    assert_each_handler_applied_once(stack, EVENTS)
    # The killed handler's message was acknowledged as it started (MODKIT_EVENTS_ACKS_LATE is
    # off), so on either broker only the relay's resend brought that delivery back.
    assert stack.resends() > 0, stack.report()


def test_messages_lost_with_the_broker_are_resent(stack):
    stack.start_relay()
    stack.publish(EVENTS, "--per-transaction", "50")
    stack.wait_until(
        "every delivery dispatched",
        lambda: stack.states() == {"dispatched": DELIVERIES},
        timeout=DRAIN_TIMEOUT,
    )
    assert sorted(stack.broker.queued_deliveries()) == stack.delivery_ids()
    # FLUSHDB on this test's Redis database stands for the broker restarting empty: every
    # message is gone while the outbox says dispatched.
    stack.broker.flush()
    assert stack.broker.queued() == 0
    stack.start_worker()
    # One pass of a relay that counts every dispatched delivery as stale: what the running relay
    # does after MODKIT_EVENTS_RESEND_AFTER, without the wait (the two share the dispatching).
    output = stack.manage("relay", "--once", "--resend-after", "0")
    assert f"relay: {DELIVERIES} deliveries on default went stale" in output
    stack.wait_all_done(DELIVERIES, timeout=DRAIN_TIMEOUT)
    assert_each_handler_applied_once(stack, EVENTS)


# The relay's commit of a batch waits on an advisory lock the test holds: the relay has sent the
# batch's messages and marked its rows dispatched in its open transaction, and stays there.
HELD_COMMIT_LOCK = 4242
HOLD_DISPATCH_COMMIT = f"""
CREATE FUNCTION stack_hold_dispatch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM pg_advisory_xact_lock_shared({HELD_COMMIT_LOCK}); RETURN NEW; END $$;
CREATE CONSTRAINT TRIGGER stack_hold_dispatch AFTER UPDATE ON modkit_delivery
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
WHEN (OLD.state = 'pending' AND NEW.state = 'dispatched') EXECUTE FUNCTION stack_hold_dispatch();
"""


def sent_but_not_marked(stack: Stack) -> int:
    """Deliveries on the broker beyond those marked dispatched (workers stopped)."""
    queued = len(stack.broker.queued_deliveries())
    return queued - stack.states().get("dispatched", 0)


def test_a_relay_killed_mid_batch_leaves_its_batch_to_the_next_relay(stack):
    stack.publish(EVENTS, "--per-transaction", "50")
    stack.database.execute(HOLD_DISPATCH_COMMIT)
    holder = Database(stack.database.name)  # its own session: the lock outlives the statements
    try:
        holder.execute("SELECT pg_advisory_lock(%s)", (HELD_COMMIT_LOCK,))
        stack.start_relay("relay-1", "--batch-size", "50")
        waiting = (
            "FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND wait_event = 'advisory'"
        )
        stack.wait_until(
            "a batch sent, its commit held",
            lambda: (
                len(stack.broker.queued_deliveries()) >= 50
                and stack.database.value(f"SELECT count(*) {waiting}") == 1
            ),
            timeout=120,
        )
        stack.kill("relay-1")
        # A killed client's backend would finish a commit it is in; this one waits on the lock,
        # so terminating it aborts the transaction, as a crash of the relay's machine would.
        terminated = stack.database.value(f"SELECT count(pg_terminate_backend(pid)) {waiting}")
        assert terminated == 1, "the relay was not waiting on its commit"
    finally:
        holder.close()  # releases the lock
    stack.database.execute("DROP TRIGGER stack_hold_dispatch ON modkit_delivery")
    stack.wait_until(
        "the killed relay's transaction to roll back",
        lambda: "dispatched" not in stack.states(),
        timeout=30,
    )
    orphans = sent_but_not_marked(stack)
    assert orphans == 50, f"a whole batch was sent and rolled back, not {orphans} deliveries"
    assert stack.states() == {"pending": DELIVERIES}
    stack.start_relay("relay-2")
    stack.start_worker()
    stack.wait_all_done(DELIVERIES, timeout=DRAIN_TIMEOUT)
    assert_each_handler_applied_once(stack, EVENTS)


def dispatched_by(output: str) -> int:
    found = re.findall(r"relay: stopped after dispatching (\d+) deliveries", output)
    assert found, f"the relay did not report what it dispatched:\n{output}"
    return int(found[-1])


def test_two_relays_at_once_send_each_delivery_once(stack):
    events = 300
    stack.start_relay("relay-1", "--batch-size", "20")
    stack.start_relay("relay-2", "--batch-size", "20")
    stack.publish(events)  # one transaction per event: each commit wakes both relays
    stack.wait_until(
        "every delivery dispatched",
        lambda: stack.states() == {"dispatched": events * len(HANDLERS)},
        timeout=120,
    )
    sent = [dispatched_by(stack.stop(name)) for name in ("relay-1", "relay-2")]
    assert sum(sent) == events * len(HANDLERS), f"dispatched by each relay: {sent}"
    assert all(sent), f"one relay did all the work, so nothing was contended: {sent}"
    assert sorted(stack.broker.queued_deliveries()) == stack.delivery_ids(), "each sent once"
    stack.start_worker()
    stack.wait_all_done(events * len(HANDLERS))
    assert_each_handler_applied_once(stack, events)


def test_a_subscriber_on_its_own_database(tmp_path, database, broker):
    events = 200
    with (
        fresh_database("alpha") as alpha_database,
        migrated_stack(tmp_path, database, broker, alpha_database) as stack,
    ):
        stack.start_relay()
        stack.start_worker()
        stack.publish(events, "--per-transaction", "50")
        stack.wait_all_done(events * len(HANDLERS))
        assert stack.states() == {"done": events * len(HANDLERS)}
        assert stack.effects("alpha") == (events, events)
        assert stack.effects("beta") == (events, events)
        assert_inbox_holds(alpha_database, {"alpha.record": events})
        assert_inbox_holds(database, {h: events for h in HANDLERS if h != "alpha.record"})
        assert database.value("SELECT to_regclass('alpha_effect') IS NULL"), (
            "alpha's table belongs in alpha's database only"
        )


def assert_inbox_holds(database: Database, expected: dict[str, int]) -> None:
    rows = database.rows("SELECT handler, count(*) FROM modkit_inboxentry GROUP BY 1")
    assert dict(rows) == expected, f"inbox of {database.name}"


def test_a_handler_failing_three_times_is_retried_until_it_succeeds_once(stack, state_dir):
    events = 10
    stack.start_relay()
    worker = stack.start_worker()
    stack.publish(events, "--fail-times", "3")
    stack.wait_all_done(events * len(HANDLERS), timeout=120)
    assert stack.effects("beta", "flaky") == (events, events)
    flaky = stack.database.rows(
        "SELECT state, attempts, count(*) FROM modkit_delivery WHERE handler = 'beta.flaky' "
        "GROUP BY 1, 2"
    )
    assert flaky == [("done", 3, events)]
    tries = sorted(p.stat().st_size for p in state_dir.glob("flaky-*"))
    assert tries == [4] * events, "three failures, then the attempt that took effect"
    retried = [line for line in worker.lines if "by beta.flaky failed (retrying)" in line]
    assert len(retried) == 3 * events, worker.output


def test_a_dead_letter_takes_effect_once_when_redelivered_after_the_fix(stack, state_dir):
    broken = state_dir / "broken"
    broken.touch()
    stack.start_relay()
    stack.start_worker(MODKIT_EVENTS_MAX_ATTEMPTS="3")
    stack.publish(1, "--fragile")
    stack.wait_until(
        "the fragile delivery dead, the others done",
        lambda: stack.states() == {"dead": 1, "done": len(HANDLERS) - 1},
        timeout=120,
    )
    [(attempts, error, trace)] = stack.database.rows(
        "SELECT attempts, last_error, last_traceback FROM modkit_delivery WHERE state = 'dead'"
    )
    assert attempts == 3
    assert error == "RuntimeError: fragile: broken until the fix"
    assert "Traceback" in trace
    assert stack.effects("beta", "fragile") == (0, 0)

    broken.unlink()  # the fix
    output = stack.manage("events", "redeliver", "--all-dead")
    assert "1 dead letters back to pending" in output
    stack.wait_all_done(len(HANDLERS), timeout=120)
    assert stack.effects("beta", "fragile") == (1, 1)
    [fragile_tries] = [p.stat().st_size for p in state_dir.glob("fragile-*")]
    assert fragile_tries == 4, "three failures before the fix, one success after it"


CORRELATION_ID = "req-realstack-42"


def published_with_correlation(
    stack: Stack, events: int, *options: str, relay: tuple[str, ...] = ()
) -> dict[str, int]:
    """Publish under CORRELATION_ID and wait; returns the event ids by n."""
    stack.start_relay("relay", *relay)
    stack.publish(events, "--correlation-id", CORRELATION_ID, *options)
    stack.wait_all_done(events * len(HANDLERS), timeout=120)
    rows = stack.database.rows(
        "SELECT event_id::text, payload::jsonb->>'n', correlation_id FROM modkit_outboxevent "
        "WHERE name = 'source.ThingHappened'"
    )
    assert {cid for _, _, cid in rows} == {CORRELATION_ID}
    return {event_id: int(n) for event_id, n, _ in rows}


def test_the_correlation_id_reaches_the_handler_and_its_effect(stack):
    stack.start_worker()
    events = published_with_correlation(stack, 5)
    effects = stack.database.rows(
        "SELECT event_id::text, correlation_id, causation_id FROM alpha_effect"
    )
    assert sorted(effects) == sorted((e, CORRELATION_ID, e) for e in events), (
        "each effect carries the request's correlation id, and the handled event as its cause"
    )


@pytest.mark.parametrize(("per_message", "messages"), [(1, 12), (10, 2)])
def test_the_worker_logs_the_handler_and_its_task_with_the_correlation_id(
    stack, per_message, messages
):
    """Three events in one transaction: twelve deliveries, as twelve messages, or packed into
    one message per queue (modkit.deliver_many); every task's log line names the request."""
    worker = stack.start_worker(loglevel="info")
    events = published_with_correlation(
        stack, 3, "--per-transaction", "3", relay=("--deliveries-per-message", str(per_message))
    )
    for event_id, n in events.items():
        [line] = [line for line in worker.lines if f"alpha records thing {n}\n" in line]
        assert f"cid={CORRELATION_ID} cause={event_id}" in line

    def finished_lines() -> list[str]:
        return [
            line
            for line in worker.lines
            if re.search(r"Task modkit.deliver(_many)?\[.* succeeded", line)
        ]

    # Celery logs "succeeded" after the task returns, so after the last delivery is done.
    stack.wait_until("every task's success line", lambda: len(finished_lines()) >= messages, 60)
    finished = finished_lines()
    assert sum(line.count("'handled'") for line in finished) == len(events) * len(HANDLERS)
    assert len(finished) == messages, "".join(finished)
    assert all(f"cid={CORRELATION_ID} " in line for line in finished), "".join(finished)
