"""The real event stack for tests: a fresh PostgreSQL database, a broker of the test's own, and
``manage.py relay`` and ``celery -A config worker`` running on them as subprocesses.

A :class:`Stack` starts processes with the environment of its databases and broker, counts what
happened with SQL against those databases, and waits only in bounded polls that fail with the
delivery states, the broker's queues and the tails of the process logs. The context managers
here undo what they made (processes, databases, the broker's Redis database or RabbitMQ vhost)
even when the test fails, so tests are independent and may run in parallel (pytest -n).
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import re
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import redis
from kombu import Connection
from psycopg import sql

from tests.conftest import EVENTS_PACKAGE
from tests.deploy.processes import MANAGE, VENV_BIN, Started, embedded_env, run

PG_SERVER = "postgres@127.0.0.1:5432"
REDIS_SERVER = "127.0.0.1:6379"
RABBITMQ_SERVER = "guest:guest@127.0.0.1:5672"
# Redis databases these tests may take, one per running test; 0 and 5 belong to others.
REDIS_DATABASES = range(10, 16)
QUEUES = ("alpha", "beta")  # the subscriber modules' queues (a queue per module)
SOURCE_EVENT = "source.ThingHappened"
HANDLERS = ("alpha.record", "beta.flaky", "beta.fragile", "beta.record")

# A relay resends a delivery dispatched this long ago and not yet done, whether its message was
# lost or is still waiting in a queue behind others. 4,000 messages take a minute or more to drain
# on a busy two-core machine, so a short delay would resend most of them, then resend the resends
# (the inbox absorbs them, but the backlog snowballs). Tests that lose messages on purpose start
# a relay with a short --resend-after once the queues are drained.
NO_RESEND = "600"
STACK_SETTINGS = {  # retries and polling fast enough for tests
    "MODKIT_EVENTS_BACKOFF_BASE": "0.2",
    "MODKIT_EVENTS_BACKOFF_MAX": "2",
    "MODKIT_EVENTS_POLL_INTERVAL": "0.5",
    "MODKIT_EVENTS_RESEND_AFTER": NO_RESEND,
}


# --- PostgreSQL ----------------------------------------------------------------------------
class Database:
    """A PostgreSQL database of one test, queried in autocommit (each query sees the latest)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.url = f"postgres://{PG_SERVER}/{name}"
        self._connection: psycopg.Connection | None = None

    def execute(self, statement: str, params: tuple[Any, ...] = ()) -> psycopg.Cursor:
        if self._connection is None or self._connection.closed:
            self._connection = psycopg.connect(self.url, autocommit=True)
        return self._connection.execute(statement, params)

    def rows(self, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        return self.execute(query, params).fetchall()

    def value(self, query: str, params: tuple[Any, ...] = ()) -> Any:
        return self.rows(query, params)[0][0]

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()


def _admin(statement: sql.Composable) -> None:
    with psycopg.connect(f"postgres://{PG_SERVER}/postgres", autocommit=True) as admin:
        admin.execute(statement)


@contextlib.contextmanager
def fresh_database(label: str) -> Iterator[Database]:
    """An empty database, dropped at the end (``WITH (FORCE)``: killed clients may linger)."""
    database = Database(f"modkit_stack_{label}_{uuid.uuid4().hex[:10]}")
    _admin(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database.name)))
    try:
        yield database
    finally:
        database.close()
        _admin(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database.name))
        )


# --- brokers -------------------------------------------------------------------------------
class Broker:
    """A broker of one test: nothing else sends to or consumes from its queues."""

    kind = ""
    url = ""

    def queued(self, *queues: str) -> int:
        """Messages ready in ``queues`` (not counting those a worker has taken)."""
        total = 0
        with Connection(self.url, connect_timeout=10) as connection:
            for queue in queues or QUEUES:
                channel = connection.channel()
                try:
                    total += channel.queue_declare(queue=queue, passive=True).message_count
                except connection.channel_errors:
                    pass  # never declared: nothing was ever sent to it
                finally:
                    with contextlib.suppress(Exception):
                        channel.close()
        return total

    def describe(self) -> str:
        try:
            return ", ".join(f"{q}={self.queued(q)}" for q in QUEUES)
        except Exception as exc:  # the report must not hide the failure it reports
            return f"unknown ({type(exc).__name__}: {exc})"


class RedisBroker(Broker):
    kind = "redis"

    def __init__(self, number: int) -> None:
        self.number = number
        self.url = f"redis://{REDIS_SERVER}/{number}"
        self.client = redis.Redis.from_url(self.url)

    def flush(self) -> None:
        """Empty this test's Redis database (and only it: FLUSHDB, not FLUSHALL)."""
        self.client.flushdb()

    def queued_deliveries(self, *queues: str) -> list[int]:
        """The delivery ids in the messages waiting in ``queues``: one for a ``modkit.deliver``,
        several for a ``modkit.deliver_many`` (kombu keeps a queue as a Redis list of JSON
        envelopes around the base64 Celery body ``[args, kwargs, embed]``)."""
        ids: list[int] = []
        for queue in queues or QUEUES:
            for raw in self.client.lrange(queue, 0, -1):
                envelope = json.loads(raw)
                args = json.loads(base64.b64decode(envelope["body"]))[0]
                task = envelope["headers"]["task"]
                ids.extend([args[0]] if task == "modkit.deliver" else [d[0] for d in args[1]])
        return ids


@contextlib.contextmanager
def _claimed_redis_database(timeout: float = 120) -> Iterator[int]:
    """A Redis database number no other test on this machine holds (a file lock per number)."""
    lock_dir = Path(tempfile.gettempdir())
    deadline = time.monotonic() + timeout
    while True:
        for number in REDIS_DATABASES:
            with (lock_dir / f"modkit-tests-redis-db-{number}.lock").open("w") as lock:
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue
                yield number
                return
        if time.monotonic() > deadline:
            raise AssertionError(f"no free Redis database among {list(REDIS_DATABASES)}")
        time.sleep(0.5)


@contextlib.contextmanager
def redis_broker() -> Iterator[RedisBroker]:
    with _claimed_redis_database() as number:
        broker = RedisBroker(number)
        broker.flush()  # whatever an interrupted earlier run left behind
        try:
            yield broker
        finally:
            broker.flush()
            broker.client.close()


class RabbitMQBroker(Broker):
    kind = "rabbitmq"

    def __init__(self, vhost: str) -> None:
        self.vhost = vhost
        self.url = f"amqp://{RABBITMQ_SERVER}/{vhost}"


def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


@contextlib.contextmanager
def rabbitmq_broker() -> Iterator[RabbitMQBroker]:
    """A vhost of its own: the queues are named after the modules (alpha, beta), so a vhost is
    what keeps parallel tests (and anyone else's alpha queue) apart; deleting it removes them."""
    broker = RabbitMQBroker(f"modkit_stack_{uuid.uuid4().hex[:10]}")
    _rabbitmqctl("add_vhost", broker.vhost)
    try:
        _rabbitmqctl("set_permissions", "-p", broker.vhost, "guest", ".*", ".*", ".*")
        yield broker
    finally:
        _rabbitmqctl("delete_vhost", broker.vhost)


BROKERS: dict[str, Callable[[], contextlib.AbstractContextManager[Broker]]] = {
    "redis": redis_broker,
    "rabbitmq": rabbitmq_broker,
}


# --- the processes -------------------------------------------------------------------------
class Stack:
    """Relays and workers on one test's databases and broker; see the module docstring."""

    def __init__(
        self,
        *,
        workdir: Path,
        database: Database,
        broker: Broker,
        alpha_database: Database | None = None,
    ) -> None:
        self.database = database
        self.alpha_database = alpha_database
        self.broker = broker
        self.env = embedded_env(
            workdir,
            workdir / "var",
            DJANGO_SETTINGS_MODULE="config.settings.test",
            MODKIT_MODULES_PACKAGE=EVENTS_PACKAGE,
            DATABASE_URL=database.url,
            CELERY_BROKER_URL=broker.url,
            MODKIT_TEST_STATE_DIR=str(workdir),
            **STACK_SETTINGS,
        )
        if alpha_database is not None:
            self.env["DATABASE_URL_ALPHA"] = alpha_database.url
        self.processes: dict[str, Started] = {}
        self.stopped: set[str] = set()  # stopped or killed on purpose

    # running commands -----------------------------------------------------------------------
    def manage(self, *args: str, timeout: float = 180) -> str:
        return run([*MANAGE, *args], self.env, timeout=timeout)

    def migrate(self) -> None:
        self.manage("migrate", "--noinput", "-v", "0")
        if self.alpha_database is not None:
            self.manage("migrate", "--noinput", "-v", "0", "--database", "alpha")

    def publish(self, count: int, *options: str) -> None:
        """``publish_things``: ``count`` events committed by another process."""
        self.manage("publish_things", str(count), *options)

    def start(self, name: str, argv: list[str], **env: str) -> Started:
        assert name not in self.processes, f"{name} was started already"
        process = Started(argv, {**self.env, **env})
        self.processes[name] = process
        return process

    def start_relay(self, name: str = "relay", *options: str) -> Started:
        relay = self.start(name, [*MANAGE, "relay", *options])
        relay.wait_for_output("relay: watching", timeout=60)
        return relay

    def start_worker(
        self, name: str = "worker", *, concurrency: int = 2, loglevel: str = "warning", **env: str
    ) -> Started:
        return self.start(
            name,
            [
                str(VENV_BIN / "celery"),
                *("-A", "config", "worker", "-Q", ",".join(QUEUES)),
                *("-c", str(concurrency), "-n", f"{name}@%h", "-l", loglevel),
                *("--without-heartbeat", "--without-mingle", "--without-gossip"),
            ],
            **env,
        )

    def kill(self, name: str) -> None:
        """SIGKILL the process and everything it forked (a worker's pool dies with it)."""
        self.stopped.add(name)
        self.processes[name].kill_everything()

    def stop(self, name: str, timeout: float = 60) -> str:
        """SIGTERM, a bounded wait for a clean exit; returns the process's output."""
        self.stopped.add(name)
        process = self.processes[name]
        process.signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except AssertionError as exc:
            self.fail(f"{name} did not stop on SIGTERM: {exc}")
        finally:
            process.kill_everything()
        return process.output

    def close(self) -> None:
        for process in self.processes.values():
            process.kill_everything()

    # what happened --------------------------------------------------------------------------
    def delivery_ids(self) -> list[int]:
        """Every delivery of the source event, by id."""
        return [
            pk
            for (pk,) in self.database.rows(
                "SELECT d.id FROM modkit_delivery d JOIN modkit_outboxevent e "
                "ON e.id = d.event_id WHERE e.name = %s ORDER BY 1",
                (SOURCE_EVENT,),
            )
        ]

    def states(self) -> dict[str, int]:
        """Deliveries of the source event by state."""
        return dict(
            self.database.rows(
                "SELECT d.state, count(*) FROM modkit_delivery d "
                "JOIN modkit_outboxevent e ON e.id = d.event_id WHERE e.name = %s GROUP BY 1",
                (SOURCE_EVENT,),
            )
        )

    def done(self) -> int:
        return self.states().get("done", 0)

    def effects(self, module: str, handler: str = "record") -> tuple[int, int]:
        """(rows, distinct event ids) of ``handler`` in ``module``'s effect table."""
        database = self.alpha_database if module == "alpha" and self.alpha_database else None
        return (database or self.database).rows(
            f"SELECT count(*), count(DISTINCT event_id) FROM {module}_effect WHERE handler = %s",
            (handler,),
        )[0]

    def resends(self) -> int:
        """Deliveries the relays put back to pending because they went stale (from their logs)."""
        return sum(
            int(m)
            for name, process in self.processes.items()
            if name.startswith("relay")
            for m in re.findall(r"relay: (\d+) deliveries on \S+ went stale", process.output)
        )

    # waiting --------------------------------------------------------------------------------
    def wait_until(self, what: str, condition: Callable[[], bool], timeout: float) -> float:
        """Poll ``condition`` until true; returns the seconds it took. Fails at ``timeout`` or
        as soon as a process that should be running has exited."""
        began = time.monotonic()
        while not condition():
            for name, process in self.processes.items():
                if name not in self.stopped and process.proc.poll() is not None:
                    self.fail(f"waiting for {what}: {name} exited {process.proc.returncode}")
            if time.monotonic() - began > timeout:
                self.fail(f"{what}: not within {timeout:.0f}s")
            time.sleep(0.25)
        return time.monotonic() - began

    def wait_all_done(self, deliveries: int, timeout: float = 180) -> float:
        return self.wait_until(
            f"all {deliveries} deliveries done", lambda: self.done() >= deliveries, timeout
        )

    def fail(self, why: str) -> None:
        raise AssertionError(f"{why}\n{self.report()}")

    def report(self, tail: int = 40) -> str:
        lines = [f"deliveries of {SOURCE_EVENT} by state: {self._safely(self.states)}"]
        lines.append(f"by handler: {self._safely(self._by_handler)}")
        lines.append(f"broker {self.broker.kind} queues: {self.broker.describe()}")
        lines.append(f"resends logged by the relays: {self.resends()}")
        return "\n".join([*lines, *self.process_tails(tail)])

    def process_tails(self, tail: int = 40) -> list[str]:
        """Each process's state and last ``tail`` lines of output, for a failure report."""
        lines = []
        for name, process in self.processes.items():
            code = process.proc.poll()
            status = "running" if code is None else f"exited {code}"
            lines.append(f"--- {name} ({status}), last {tail} lines ---")
            lines.extend(line.rstrip("\n") for line in process.lines[-tail:])
        return lines

    def _by_handler(self) -> list[tuple[Any, ...]]:
        return self.database.rows(
            "SELECT handler, state, count(*), max(attempts) FROM modkit_delivery "
            "GROUP BY 1, 2 ORDER BY 1, 2"
        )

    @staticmethod
    def _safely(query: Callable[[], Any]) -> Any:
        try:
            return query()
        except Exception as exc:  # the report must not hide the failure it reports
            return f"unknown ({type(exc).__name__}: {exc})"


@contextlib.contextmanager
def migrated_stack(
    workdir: Path, database: Database, broker: Broker, alpha_database: Database | None = None
) -> Iterator[Stack]:
    """A migrated stack with nothing running yet; every process it starts dies at the end."""
    stack = Stack(workdir=workdir, database=database, broker=broker, alpha_database=alpha_database)
    try:
        stack.migrate()
        yield stack
    finally:
        stack.close()
