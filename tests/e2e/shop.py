"""The whole shop on the real stack, for end-to-end tests: PostgreSQL, Redis, gunicorn, the relay
and Celery workers, each a subprocess, driven over HTTP like a customer would.

This builds on the kernel's real-stack harness (tests/modkit/events/stack.py) and the process
helpers of tests/deploy/processes.py, and only adds what a shop needs on top of them:

- :func:`template_database`: one PostgreSQL database per pytest worker, migrated and seeded once
  (demo data plus the products these tests buy); every test then gets a copy of it
  (:func:`database_from_template`, ``CREATE DATABASE … TEMPLATE``), dropped afterwards. A copy
  takes a second where migrating and seeding take half a minute on a busy machine.
- :func:`shop_redis_broker`: a Redis database among 20-25, the first one tried derived from the
  xdist worker id (gw0 → 20, gw1 → 21, …), held with a file lock so that two sessions on one
  machine never share one; flushed before and after.
- :class:`ShopStack`: the kernel's :class:`Stack` with the shop's modules instead of the event
  test modules, plus a gunicorn, workers per queue (``notifications`` on its own), staff actions
  through ``manage.py shell -c``, the emails the workers wrote (filebased backend, one directory
  per test) and a failure report about orders rather than test events.
- :class:`Customer`: a registered customer with a bearer token and an httpx client.

Every wait is a bounded poll (``Stack.wait_until``) that fails with the orders by status, the
deliveries by handler, the broker's queues and the tails of every process's output.
"""

from __future__ import annotations

import contextlib
import email
import fcntl
import os
import re
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import redis
from psycopg import sql

from modkit.testing import SERVICE_SKIP_PREFIX
from tests.deploy.processes import (
    MANAGE,
    VENV_BIN,
    Started,
    embedded_env,
    free_port,
    run,
    started,
)
from tests.modkit.events.stack import (
    PG_SERVER,
    REDIS_SERVER,
    STACK_SETTINGS,
    Database,
    RedisBroker,
    Stack,
    fresh_database,
)

SETTINGS = "tests.e2e.settings"
MAIN_QUEUES = ("catalog", "customers", "inventory", "orders", "payments", "shipping", "default")
NOTIFICATIONS_QUEUE = "notifications"
ALL_QUEUES = (*MAIN_QUEUES, NOTIFICATIONS_QUEUE)
REDIS_DATABASES = range(20, 26)  # the e2e tests' share of the Redis server
PASSWORD = "plum-kettle-42-river"
ADDRESS = {
    "name": "Ada Lovelace",
    "line1": "12 Analytical Row",
    "city": "London",
    "postal_code": "N1 7AA",
    "country": "GB",
}
SUBJECT_PAID = "Your order is confirmed"
SUBJECT_SHIPPED = "Your order has shipped"
SUBJECT_CANCELLED = "Your order was cancelled"

# The products the tests buy, with their opening stock (created in the template database).
WIDGET, WIDGET_STOCK = "E2E-WIDGET", 1000  # the single-order tests
RUSH, RUSH_STOCK = "E2E-RUSH", 30  # 100 customers, 30 units
BULK, BULK_STOCK = "E2E-BULK", 500  # many orders, plenty of stock
PRODUCTS = ((WIDGET, "19.99", WIDGET_STOCK), (RUSH, "5.00", RUSH_STOCK), (BULK, "2.50", BULK_STOCK))

SHOP_SETTINGS = {
    **STACK_SETTINGS,  # fast retries and relay polling
    # A lost message (a worker stopped with messages in hand) comes back after 30 s at most. Not
    # shorter: with a backlog on a busy machine every resend is one more message to absorb.
    "MODKIT_EVENTS_RESEND_AFTER": "30",
    # Every customer of a test shares 127.0.0.1; the throttle counters are per gunicorn worker.
    "THROTTLE_ANON": "100000/min",
    "THROTTLE_USER": "100000/min",
    "MODKIT_ADMIN_PASSWORD": "e2e-admin-password-7",
}

_CREATE_PRODUCTS = """
from decimal import Decimal
from modules.catalog import services
from modules.inventory.interface import inventory
category, _ = services.category_get_or_create(slug="e2e", name="End-to-end tests")
for sku, price, stock in {products!r}:
    services.product_get_or_create(sku=sku, name=sku, price=Decimal(price), category=category)
    inventory.adjust_stock(sku=sku, delta=stock, reason="e2e opening stock")
print("e2e products ready")
"""


# --- PostgreSQL ----------------------------------------------------------------------------
def _admin(statement: sql.Composable) -> None:
    with psycopg.connect(f"postgres://{PG_SERVER}/postgres", autocommit=True) as admin:
        admin.execute(statement)


def _env(workdir: Path, database: Database, **extra: str) -> dict[str, str]:
    (workdir / "mail").mkdir(parents=True, exist_ok=True)
    return embedded_env(
        workdir,
        workdir / "var",
        DJANGO_SETTINGS_MODULE=SETTINGS,
        DATABASE_URL=database.url,
        E2E_EMAIL_DIR=str(workdir / "mail"),
        **SHOP_SETTINGS,
        **extra,
    )


@contextlib.contextmanager
def template_database(workdir: Path) -> Iterator[Database]:
    """A database migrated, seeded and stocked with :data:`PRODUCTS`; copied by each test.

    Nothing may stay connected to it (PostgreSQL copies only an idle template), so it is never
    queried through the returned object.
    """
    require_postgres()
    with fresh_database("e2e_template") as database:
        env = _env(workdir, database)
        run([*MANAGE, "migrate", "--noinput", "-v", "0"], env, timeout=300)
        run([*MANAGE, "seed"], env, timeout=300)
        code = _CREATE_PRODUCTS.format(products=PRODUCTS)
        assert "e2e products ready" in run([*MANAGE, "shell", "-c", code], env, timeout=300)
        yield database


@contextlib.contextmanager
def database_from_template(template: Database) -> Iterator[Database]:
    """A copy of ``template`` for one test, dropped at the end (``WITH (FORCE)``)."""
    database = Database(f"modkit_e2e_{uuid.uuid4().hex[:12]}")
    create = sql.SQL("CREATE DATABASE {} TEMPLATE {}")
    for attempt in range(5):  # the template is briefly busy while another test copies it
        try:
            _admin(create.format(sql.Identifier(database.name), sql.Identifier(template.name)))
            break
        except psycopg.errors.ObjectInUse:
            if attempt == 4:
                raise
            time.sleep(1 + attempt)
    try:
        yield database
    finally:
        database.close()
        _admin(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database.name))
        )


# --- Redis ---------------------------------------------------------------------------------
class ShopRedisBroker(RedisBroker):
    """The kernel harness's Redis broker, on any Redis server (not only the shared one)."""

    def __init__(self, server: str, number: int) -> None:
        self.number = number
        self.url = f"redis://{server}/{number}"
        self.client = redis.Redis.from_url(self.url)


def xdist_worker_number() -> int:
    """0 for ``gw0`` or no xdist, 1 for ``gw1``, …"""
    found = re.search(r"\d+", os.environ.get("PYTEST_XDIST_WORKER", "gw0"))
    return int(found.group()) if found else 0


def _has_database(server: str, number: int) -> bool:
    client = redis.Redis.from_url(f"redis://{server}/{number}", socket_timeout=10)
    try:
        return bool(client.ping())
    except redis.ResponseError:  # "DB index is out of range"
        return False
    finally:
        client.close()


@contextlib.contextmanager
def redis_server(workdir: Path) -> Iterator[str]:
    """``host:port`` of a Redis with databases 20-25: the shared server if it has them,
    otherwise a private ``redis-server`` of this pytest process (stopped at the end).

    The shared server here is configured with the default 16 databases, so ``SELECT 20`` fails
    there; the private server (no persistence) leaves everybody else's data alone.
    """
    if _reachable(REDIS_SERVER) and _has_database(REDIS_SERVER, max(REDIS_DATABASES)):
        yield REDIS_SERVER
        return
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip(
            f"{SERVICE_SKIP_PREFIX} Redis with databases 20-25 at {REDIS_SERVER}, "
            "or redis-server on the PATH"
        )
    port = free_port()
    argv = [
        binary,
        *("--bind", "127.0.0.1", "--port", str(port), "--databases", "32"),
        *("--save", "", "--appendonly", "no", "--dir", str(workdir)),
    ]
    with started(argv, os.environ) as server:
        deadline = time.monotonic() + 60
        while not _reachable(f"127.0.0.1:{port}"):
            if server.proc.poll() is not None or time.monotonic() > deadline:
                server.fail("the private redis-server did not answer")
            time.sleep(0.1)
        yield f"127.0.0.1:{port}"


def _reachable(server: str) -> bool:
    try:
        return _has_database(server, 0)
    except (redis.ConnectionError, redis.TimeoutError):
        return False


def require_postgres() -> None:
    """Skip (with the prefix ``.ci/run`` fails on) when PostgreSQL does not answer."""
    try:
        psycopg.connect(f"postgres://{PG_SERVER}/postgres", connect_timeout=10).close()
    except psycopg.OperationalError as exc:
        pytest.skip(f"{SERVICE_SKIP_PREFIX} PostgreSQL at {PG_SERVER} ({exc})")


@contextlib.contextmanager
def shop_redis_broker(server: str, timeout: float = 300) -> Iterator[ShopRedisBroker]:
    """This test's Redis database: the worker's own number first, any free one of 20-25 else.

    The lock keeps two sessions on one server (two people running the e2e tests at once)
    apart; FLUSHDB on the way in and out, never FLUSHALL.
    """
    first = REDIS_DATABASES[xdist_worker_number() % len(REDIS_DATABASES)]
    order = [first, *(n for n in REDIS_DATABASES if n != first)]
    where = server.replace(":", "-")
    deadline = time.monotonic() + timeout
    while True:
        for number in order:
            path = Path(tempfile.gettempdir()) / f"modkit-e2e-redis-{where}-db-{number}.lock"
            with path.open("w") as lock:
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue
                broker = ShopRedisBroker(server, number)
                broker.flush()
                try:
                    yield broker
                finally:
                    broker.flush()
                    broker.client.close()
                return
        if time.monotonic() > deadline:
            raise AssertionError(f"no free Redis database among {list(REDIS_DATABASES)}")
        time.sleep(1)


# --- emails --------------------------------------------------------------------------------
_SEPARATOR = b"-" * 79 + b"\n"  # what Django's filebased backend writes after each message
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    message_id: str
    order_id: str | None  # the first UUID of the body: every email names its order


def read_emails(directory: Path) -> list[Email]:
    """The emails written to ``directory`` so far (a message still being written is left out)."""
    found = []
    for path in sorted(directory.glob("*.log")):
        *complete, _rest = path.read_bytes().split(_SEPARATOR)
        for raw in complete:
            message = email.message_from_bytes(raw.strip(b"\n"))
            body = message.get_payload(decode=True).decode("utf-8", "replace")
            order = _UUID.search(body)
            found.append(
                Email(
                    to=str(message["To"]),
                    subject=str(message["Subject"]),
                    message_id=str(message["Message-ID"]),
                    order_id=order.group() if order else None,
                )
            )
    return found


# --- the stack -----------------------------------------------------------------------------
class ShopStack(Stack):
    """The shop's processes on one test's database and Redis; nothing runs until started."""

    def __init__(self, *, workdir: Path, database: Database, broker: ShopRedisBroker) -> None:
        super().__init__(workdir=workdir, database=database, broker=broker)
        self.env = _env(workdir, database, CELERY_BROKER_URL=broker.url)
        self.mail_dir = workdir / "mail"
        self.base_url = ""

    # processes ------------------------------------------------------------------------------
    def start_web(self, name: str = "web", workers: int = 2, attempts: int = 3) -> Started:
        """gunicorn on a free port; retried on another port if that one was taken meanwhile."""
        for attempt in range(attempts):
            port = free_port()
            web = self.start(
                name,
                [
                    str(VENV_BIN / "gunicorn"),
                    "config.wsgi",
                    *("--bind", f"127.0.0.1:{port}", "--workers", str(workers)),
                    *("--timeout", "120", "--graceful-timeout", "10"),
                ],
            )
            web.base_url = f"http://127.0.0.1:{port}"
            try:
                web.wait_for_http(f"{web.base_url}/health/live/", timeout=180)
            except AssertionError:
                if attempt == attempts - 1 or "Address already in use" not in web.output:
                    raise
                web.kill_everything()
                del self.processes[name]
                continue
            self.base_url = web.base_url
            return web
        raise AssertionError("unreachable")

    def start_worker(  # type: ignore[override]  # queues instead of the events stack's pair
        self,
        name: str = "worker",
        *,
        queues: Iterable[str] = MAIN_QUEUES,
        concurrency: int = 2,
        loglevel: str = "info",
        **env: str,
    ) -> Started:
        return self.start(
            name,
            [
                str(VENV_BIN / "celery"),
                *("-A", "config", "worker", "-Q", ",".join(queues)),
                *("-c", str(concurrency), "-n", f"{name}@%h", "-l", loglevel),
                *("--without-heartbeat", "--without-mingle", "--without-gossip"),
            ],
            **env,
        )

    def wait_ready(self, name: str, timeout: float = 180) -> None:
        """Until the worker ``name`` consumes (Celery logs ``<name>@<host> ready.``)."""
        process = self.processes[name]
        self.wait_until(
            f"{name} to be ready",
            lambda: re.search(rf"{re.escape(name)}@\S+ ready\.", process.output) is not None,
            timeout,
        )

    def start_shop(self) -> None:
        """Everything a shop runs: web, relay, a worker for every module's queue but
        notifications, and one for notifications alone (so that it can be stopped)."""
        relay = self.start("relay", [*MANAGE, "relay"])
        self.start_worker("worker", queues=MAIN_QUEUES, concurrency=2)
        self.start_worker("notifications", queues=[NOTIFICATIONS_QUEUE], concurrency=1)
        self.start_web()
        relay.wait_for_output("relay: watching", timeout=180)
        self.wait_ready("worker")
        self.wait_ready("notifications")

    # staff ----------------------------------------------------------------------------------
    def shell(self, code: str) -> str:
        return self.manage("shell", "-c", code, timeout=300)

    def mark_shipped(self, order_id: str) -> str:
        """Staff hands the order's parcel to the carrier (shipping's interface): the tracking
        number."""
        output = self.shell(
            "from uuid import UUID\n"
            "from modules.shipping.interface import shipping\n"
            f"(s,) = shipping.shipments_of_order(order_id=UUID({order_id!r}))\n"
            "print('tracking', shipping.mark_shipped(shipment_id=s.id).tracking_number)\n"
        )
        found = re.search(r"^tracking (\S+)$", output, re.M)
        assert found, output
        return found.group(1)

    def mark_delivered(self, order_id: str) -> None:
        output = self.shell(
            "from uuid import UUID\n"
            "from modules.shipping.interface import shipping\n"
            f"(s,) = shipping.shipments_of_order(order_id=UUID({order_id!r}))\n"
            "print('shipment', shipping.mark_delivered(shipment_id=s.id).status)\n"
        )
        assert "shipment delivered" in output, output

    # what happened --------------------------------------------------------------------------
    def emails(self) -> list[Email]:
        return read_emails(self.mail_dir)

    def orders_by_status(self) -> dict[str, int]:
        rows = self.database.rows(
            "SELECT status || coalesce(nullif('(' || cancel_reason || ')', '()'), ''), count(*) "
            "FROM orders_order GROUP BY 1"
        )
        return dict(rows)

    def unsettled_orders(self) -> int:
        return self.database.value(
            "SELECT count(*) FROM orders_order WHERE status IN ('pending', 'reserved')"
        )

    def backlog(self) -> int:
        """Deliveries not done yet (pending or dispatched) of every handler."""
        return self.database.value(
            "SELECT count(*) FROM modkit_delivery WHERE state IN ('pending', 'dispatched')"
        )

    def deliveries(self, handler: str) -> dict[str, int]:
        return dict(
            self.database.rows(
                "SELECT state, count(*) FROM modkit_delivery WHERE handler = %s GROUP BY 1",
                (handler,),
            )
        )

    def payment(self, order_id: str) -> dict[str, Any]:
        rows = self.database.rows(
            "SELECT status, gateway_attempts, gateway_reference FROM payments_payment "
            "WHERE order_id = %s",
            (order_id,),
        )
        assert len(rows) == 1, f"payments of order {order_id}: {rows}"
        status, attempts, reference = rows[0]
        return {"status": status, "gateway_attempts": attempts, "gateway_reference": reference}

    def gateway(self, order_id: str) -> dict[str, Any]:
        """The simulated gateway's records under the order's idempotency key."""
        charges = self.database.rows(
            "SELECT outcome, refunded_at IS NOT NULL FROM payments_gatewaycharge "
            "WHERE idempotency_key = %s",
            (order_id,),
        )
        requests = self.database.rows(
            "SELECT operation, result FROM payments_gatewayrequest WHERE idempotency_key = %s "
            "ORDER BY id",
            (order_id,),
        )
        return {"charges": charges, "requests": requests}

    def dead_letters(self) -> int:
        return self.database.value("SELECT count(*) FROM modkit_delivery WHERE state = 'dead'")

    def wait_until(self, what: str, condition: Callable[[], bool], timeout: float) -> float:
        """The kernel harness's bounded poll, failing at once when a delivery goes dead: no
        test here expects a dead letter, and none would recover within the wait."""

        def reached() -> bool:
            if self.dead_letters():
                self.fail(f"waiting for {what}: a delivery went dead")
            return condition()

        return super().wait_until(what, reached, timeout)

    def wait_quiet(self, timeout: float = 240) -> float:
        """Until every delivery of every event is done (the saga and its side effects settled)."""
        return self.wait_until("every delivery done", lambda: self.backlog() == 0, timeout)

    def report(self, tail: int = 40) -> str:
        lines = [f"orders by status: {self._safely(self.orders_by_status)}"]
        lines.append(f"deliveries by handler and state: {self._safely(self._by_handler)}")
        lines.append(f"failures: {self._safely(self._failures)}")
        lines.append(f"broker queues, messages (deliveries): {self._safely(self._queues)}")
        lines.append(f"emails written: {self._safely(lambda: len(self.emails()))}")
        lines.append(f"resends logged by the relays: {self._safely(self.resends)}")
        return "\n".join([*lines, *self.process_tails(tail)])

    def _failures(self) -> list[tuple[Any, ...]]:
        """(handler, state, deliveries, max attempts, error) of the deliveries that failed."""
        return self.database.rows(
            "SELECT handler, state, count(*), max(attempts), left(last_error, 300) "
            "FROM modkit_delivery WHERE last_error <> '' GROUP BY 1, 2, 5 ORDER BY 3 DESC LIMIT 5"
        )

    def _queues(self) -> dict[str, str]:
        """Per queue, the messages waiting and the deliveries they carry (packed messages carry
        several)."""
        return {
            queue: f"{self.broker.queued(queue)} ({len(self.broker.queued_deliveries(queue))})"
            for queue in ALL_QUEUES
        }


@contextlib.contextmanager
def shop_stack(workdir: Path, database: Database, broker: ShopRedisBroker) -> Iterator[ShopStack]:
    """A stack with everything started (:meth:`ShopStack.start_shop`); all of it dies at the end."""
    stack = ShopStack(workdir=workdir, database=database, broker=broker)
    try:
        stack.start_shop()
        yield stack
    finally:
        stack.close()


# --- customers -----------------------------------------------------------------------------
class ServerErrors:
    """Every 5xx any client saw (thread-safe): a test ends by asserting there was none."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.seen: list[str] = []

    def check(self, response: httpx.Response) -> httpx.Response:
        if response.status_code >= 500:
            with self._lock:
                self.seen.append(
                    f"{response.request.method} {response.request.url} -> "
                    f"{response.status_code}: {response.text[:500]}"
                )
        return response


def _client(base_url: str, errors: ServerErrors) -> httpx.Client:
    return httpx.Client(
        base_url=base_url,
        timeout=httpx.Timeout(120, connect=30),
        event_hooks={"response": [lambda r: (r.read(), errors.check(r))]},
    )


class Customer:
    """A customer registered through the API, logged in with a bearer token."""

    def __init__(self, base_url: str, email_address: str, errors: ServerErrors) -> None:
        self.email = email_address
        self.client = _client(base_url, errors)

    @classmethod
    def register(cls, base_url: str, errors: ServerErrors, label: str = "c") -> Customer:
        customer = cls(base_url, f"{label}-{uuid.uuid4().hex[:10]}@e2e.example.com", errors)
        body = {"email": customer.email, "password": PASSWORD, "name": label}
        registered = customer.client.post("/api/v1/customers/", json=body)
        assert registered.status_code == 201, registered.text
        token = customer.client.post(
            "/api/v1/auth/token/", json={"username": customer.email, "password": PASSWORD}
        )
        assert token.status_code == 200, token.text
        customer.client.headers["Authorization"] = f"Bearer {token.json()['access']}"
        return customer

    def place_order(self, sku: str, quantity: int = 1, token: str = "tok_ok") -> httpx.Response:
        return self.client.post(
            "/api/v1/orders/",
            json={
                "lines": [{"sku": sku, "quantity": quantity}],
                "shipping_address": ADDRESS,
                "payment_token": token,
            },
        )

    def order(self, order_id: str) -> dict[str, Any]:
        response = self.client.get(f"/api/v1/orders/{order_id}/")
        assert response.status_code == 200, response.text
        return response.json()

    def cancel(self, order_id: str) -> httpx.Response:
        return self.client.post(f"/api/v1/orders/{order_id}/cancel/")

    def shipments(self, order_id: str) -> list[dict[str, Any]]:
        response = self.client.get("/api/v1/shipping/shipments/", params={"order": order_id})
        assert response.status_code == 200, response.text
        return response.json()["results"]

    def close(self) -> None:
        self.client.close()


def stock(client: httpx.Client, sku: str) -> dict[str, Any]:
    response = client.get(f"/api/v1/inventory/stock/{sku}/")
    assert response.status_code == 200, response.text
    return response.json()


def wait_for_order(
    stack: ShopStack, customer: Customer, order_id: str, *statuses: str, timeout: float = 180
) -> dict[str, Any]:
    """Poll ``GET /api/v1/orders/{id}/`` until the order is in one of ``statuses``."""
    seen: dict[str, Any] = {}

    def reached() -> bool:
        seen.update(customer.order(order_id))
        return seen["status"] in statuses

    stack.wait_until(f"order {order_id} to become {'/'.join(statuses)}", reached, timeout)
    return seen
