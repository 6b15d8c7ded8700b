"""The shop under load: requests per second and latency per endpoint, and orders that get paid.

    .venv/bin/python bench/shop_load.py [--users 30] [--seconds 15] [--mix-seconds 25]
        [--order-rate 50] [--order-seconds 20] [--web-workers 3] [--gunicorn-args "..."]
        [--max-requests 0] [--celery-concurrency 2] [--order-arrivals poisson|lockstep]
        [--profile] [--json]

Loopback only, bounded in time (the defaults take two and a half to three minutes). It needs
PostgreSQL (``--postgres``, default ``postgres://postgres@127.0.0.1:5432``: a fresh database is
created and dropped here) and Redis: its own ``redis-server`` on a free port by default, or
``--redis URL`` with databases ``--redis-db`` (26, the broker) and the next (the cache), claimed
with a lock file and flushed at start and end. It starts the production shape of the shop with
the image's entrypoint (``deploy/docker-entrypoint.sh``): ``migrate``, then ``web`` (gunicorn,
``--web-workers`` sync workers unless ``--gunicorn-args`` says otherwise, never recycled unless
``--max-requests``), ``worker`` (Celery, every module's queue) and ``relay``; the demo data is
seeded, a few skus get plenty of stock and ``--customers`` customers get a token and one order
each (``bench/shopload/setup.py``). Settings are ``config.settings.production`` plus one URL,
``/bench/bare/`` (``bench/shopload/settings.py``), with a dummy email backend (there is no SMTP
server here), ``CACHE_URL`` on Redis (the throttles' counters, shared by the web workers) and
``LOG_LEVEL`` (``--log-level``, WARNING by default). The throttles keep their production rates;
every request names one of many client addresses in ``X-Forwarded-For`` (see the locustfile).

Phases, each a headless locust run (``bench/shopload/locustfile.py``, ``--users`` users and no
think time unless said otherwise, statistics reset once every user has started):

  bare     ``GET /bench/bare/``: a Django JSON view, no database: the ceiling.
  product  ``GET /api/v1/catalog/products/{sku}/`` alone, the same way: compared with bare.
  mix      Online Boutique's proportions: product page 10, product list 3, order view (the
           customer's own order) 2, place order (1 unit, ``tok_ok``) 1.
  orders   only when the mix placed fewer than ``--order-rate`` orders a second: place order
           alone at ``--order-rate`` per second, one a second on average per user, the users'
           orders arriving at random as independent customers' do (``--order-arrivals
           poisson``, the default), or all of them in the same instant once a second
           (``lockstep``: a burst of ``--order-rate`` concurrent orders).

For the phases that place orders: the orders placed during the phase that reached ``paid``
(counted in the database once the saga has drained, at most ``--drain-seconds`` later) divided by
the phase's duration, and the saga's lag (placed to paid, p50/p95). Per phase, the CPU seconds
each role used (``/proc``, reaped children included), and the PostgreSQL and Redis servers (all
their processes: nothing else should use them meanwhile), the web's CPU per request, the CPU per
paid order of the saga (worker + relay), of PostgreSQL and of the whole stack, and the share of
the machine they got: on a shared machine those move much less than the rates do.
``--profile`` then times and cProfiles one request of each endpoint in-process
(``bench/shopload/profile.py``). Targets: product page rps >= 40% of the bare view's; place
order p99 < 150 ms at 50 orders/s; no errors. ``--json`` prints the figures as JSON instead of
tables. Logs, locust's CSV files and the profile stay in a
``modkit-shop-load-*`` directory under the temporary directory (printed at the end).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import csv
import fcntl
import json
import os
import resource
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import benchprocs
from benchprocs import ROOT, BenchError

BIN = Path(sys.executable).parent
ENTRYPOINT = str(ROOT / "deploy" / "docker-entrypoint.sh")
LOCUSTFILE = str(ROOT / "bench" / "shopload" / "locustfile.py")
SETTINGS = "bench.shopload.settings"
# Skus given plenty of stock for the orders (spread over a few, as a real shop's orders are).
PLENTY_SKUS = ["COF-FLT-01", "OFF-PEN-02", "ELE-CBL-01", "APP-TOT-01"]
PLENTY_STOCK = 1_000_000

TARGET_PRODUCT_RATIO = 0.40
TARGET_ORDER_P99_MS = 150.0
TARGET_ORDER_RATE = 50.0
ENDPOINTS = ["bare view", "product page", "product list", "order view", "place order"]


# --- processes -------------------------------------------------------------------------------
class Proc(benchprocs.Proc):
    """A role or command of the shop: one-shot commands finish, services stop by group."""

    def finish(self, timeout: float) -> str:
        """Wait for a one-shot command; its output, or BenchError with it."""
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise BenchError(
                f"{self.name} did not finish in {timeout:.0f}s:\n{self.tail()}"
            ) from None
        if self.popen.returncode:
            raise BenchError(f"{self.name} exited {self.popen.returncode}:\n{self.tail()}")
        return self.log.read_text(errors="replace")

    def stop(self, grace: float = 15.0) -> None:
        """SIGTERM to the group (a warm shutdown), SIGKILL to what is left after ``grace``."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(grace)
        self.kill_group()


class Stack:
    def __init__(self, env: dict[str, str], logdir: Path) -> None:
        self.env, self.logdir = env, logdir
        self.procs: list[Proc] = []

    def start(self, name: str, *argv: str, env: dict[str, str] | None = None) -> Proc:
        proc = Proc(f"{len(self.procs) + 1:02d}-{name}", list(argv), env or self.env, self.logdir)
        self.procs.append(proc)
        return proc

    def role(self, role: str, *args: str, env: dict[str, str] | None = None) -> Proc:
        return self.start(role, ENTRYPOINT, role, *args, env=env)

    def check_running(self) -> None:
        for proc in self.procs:
            if proc.name.endswith(("-web", "-worker", "-relay")) and not proc.alive():
                raise BenchError(f"{proc.name} exited during the run:\n{proc.tail()}")

    def stop_all(self) -> None:
        for proc in reversed(self.procs):
            if proc.alive():
                proc.stop()


# --- services --------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def fresh_database(server_url: str) -> Iterator[str]:
    import psycopg

    name = f"modkit_bench_shop_{os.getpid()}"
    try:
        with psycopg.connect(f"{server_url}/postgres", autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        raise BenchError(
            f"PostgreSQL at {server_url} is not reachable ({exc}): --postgres"
        ) from exc
    try:
        yield f"{server_url}/{name}"
    finally:
        with psycopg.connect(f"{server_url}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def private_redis(logdir: Path) -> Iterator[str]:
    """A redis-server of the bench's own on a free loopback port, without persistence."""
    server = shutil.which("redis-server")
    if server is None:
        raise BenchError("no redis-server on PATH: pass --redis redis://HOST:PORT")
    port = free_port()
    proc = Proc(
        "redis",
        [server, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"],
        dict(os.environ),
        logdir,
    )
    try:
        proc.wait_for_output("Ready to accept connections", 30)
        yield f"redis://127.0.0.1:{port}"
    finally:
        proc.stop()


@contextlib.contextmanager
def redis_databases(url: str, first: int, *, shared: bool) -> Iterator[tuple[str, str]]:
    """The broker's and the cache's Redis URLs (databases ``first`` and ``first + 1``), flushed
    before and after; on a ``shared`` server each is claimed with a file lock first (as the
    real-stack tests claim theirs)."""
    import redis

    locks: list[IO[str]] = []
    clients = []
    try:
        for number in (first, first + 1):
            if shared:
                lock = (Path(tempfile.gettempdir()) / f"modkit-tests-redis-db-{number}.lock").open(
                    "w"
                )
                locks.append(lock)
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    raise BenchError(f"Redis database {number} is in use by another run") from None
            client = redis.Redis.from_url(f"{url}/{number}", socket_connect_timeout=5)
            try:
                client.flushdb()
            except redis.RedisError as exc:
                raise BenchError(f"Redis at {url} is not reachable ({exc}): --redis") from exc
            clients.append(client)
        yield f"{url}/{first}", f"{url}/{first + 1}"
    finally:
        for client in clients:
            with contextlib.suppress(redis.RedisError):
                client.flushdb()
        for lock in locks:
            lock.close()


def bench_env(database_url: str, broker_url: str, cache_url: str, var_dir: Path, args) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_URL", "MODKIT_", "CELERY_", "DJANGO_", "GUNICORN_"))
        and k not in ("CACHE_URL", "SECRET_KEY", "ALLOWED_HOSTS", "DEBUG", "EMAIL_URL")
        and not k.startswith("THROTTLE_")
    }
    env.update(
        DJANGO_SETTINGS_MODULE=SETTINGS,
        DATABASE_URL=database_url,
        CELERY_BROKER_URL=broker_url,
        CACHE_URL=cache_url,
        SECRET_KEY=secrets.token_urlsafe(50),
        MODKIT_RPC_SECRET=secrets.token_urlsafe(32),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        MODKIT_VAR_DIR=str(var_dir),
        STATIC_ROOT=str(var_dir / "static"),
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        LOG_LEVEL=args.log_level,
        WEB_CONCURRENCY=str(args.web_workers),
        GUNICORN_MAX_REQUESTS=str(args.max_requests),
        CELERY_CONCURRENCY=str(args.celery_concurrency),
        PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        PYTHONPATH=str(ROOT),
        PYTHONUNBUFFERED="1",
    )
    if args.deliveries_per_message:
        env["MODKIT_EVENTS_DELIVERIES_PER_MESSAGE"] = str(args.deliveries_per_message)
    return env


# --- the shop's data -------------------------------------------------------------------------
def prepare(stack: Stack, base_url: str, customers: int, logdir: Path) -> Path:
    """Stock, customers with tokens, one order each (warming every web worker): the locust data."""
    import httpx

    output = stack.start(
        "setup",
        sys.executable,
        "-m",
        "bench.shopload.setup",
        f"--customers={customers}",
        f"--stock={PLENTY_STOCK}",
        *(f"--sku={sku}" for sku in PLENTY_SKUS),
    ).finish(180)
    tokens = json.loads(next(ln for ln in output.splitlines() if ln.startswith("{")))["tokens"]

    with httpx.Client(base_url=base_url, timeout=60) as http:
        listing = http.get("/api/v1/catalog/products/", params={"limit": 100}).json()
        skus = [p["sku"] for p in listing["results"]]

        def first_order(token: str) -> dict[str, str]:
            body = {
                "lines": [{"sku": PLENTY_SKUS[0], "quantity": 1}],
                "shipping_address": {
                    "name": "Bench",
                    "line1": "1 Load Street",
                    "city": "Berlin",
                    "postal_code": "10115",
                    "country": "DE",
                },
                "payment_token": "tok_ok",
            }
            placed = http.post(
                "/api/v1/orders/", json=body, headers={"Authorization": f"Bearer {token}"}
            )
            if placed.status_code != 201:
                raise BenchError(f"placing a first order: {placed.status_code} {placed.text}")
            return {"token": token, "order_id": placed.json()["id"]}

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            people = list(pool.map(first_order, tokens))
            warm = ["/bench/bare/", *(f"/api/v1/catalog/products/{s}/" for s in skus)]
            list(pool.map(lambda url: http.get(url).raise_for_status(), warm * 2))
    data = logdir / "locust-data.json"
    data.write_text(json.dumps({"customers": people, "skus": skus, "plenty": PLENTY_SKUS}))
    return data


class OrdersDb:
    """What the saga did, read from the orders' tables."""

    def __init__(self, database_url: str) -> None:
        import psycopg

        self.conn = psycopg.connect(database_url, autocommit=True)

    def close(self) -> None:
        self.conn.close()

    def unfinished(self) -> int:
        query = "SELECT count(*) FROM orders_order WHERE status IN ('pending', 'reserved')"
        return self.conn.execute(query).fetchone()[0]

    def window(self, start: datetime, end: datetime) -> dict[str, Any]:
        """Orders placed in [start, end): by status, how many reached paid (ever), and the lag."""
        by_status = dict(
            self.conn.execute(
                "SELECT status, count(*) FROM orders_order"
                " WHERE created_at >= %s AND created_at < %s GROUP BY status",
                (start, end),
            ).fetchall()
        )
        paid, p50, p95, last = self.conn.execute(
            "SELECT count(*),"
            " percentile_cont(0.5) WITHIN GROUP (ORDER BY h.at - o.created_at),"
            " percentile_cont(0.95) WITHIN GROUP (ORDER BY h.at - o.created_at),"
            " max(h.at)"
            " FROM orders_order o JOIN orders_orderhistory h"
            " ON h.order_id = o.id AND h.status = 'paid'"
            " WHERE o.created_at >= %s AND o.created_at < %s",
            (start, end),
        ).fetchone()
        paid_in_window = self.conn.execute(
            "SELECT count(*) FROM orders_orderhistory WHERE status = 'paid' AND at >= %s"
            " AND at < %s",
            (start, end),
        ).fetchone()[0]
        return {
            "placed": sum(by_status.values()),
            "by_status": by_status,
            "paid": paid,
            "paid_during_phase": paid_in_window,
            "lag_p50_ms": p50.total_seconds() * 1000 if p50 else None,
            "lag_p95_ms": p95.total_seconds() * 1000 if p95 else None,
            "last_paid_at": last,
        }

    def drain(self, timeout: float, stack: Stack) -> float:
        """Seconds until no order is pending or reserved (or ``timeout``)."""
        started = time.monotonic()
        while self.unfinished() and time.monotonic() - started < timeout:
            stack.check_running()
            time.sleep(0.5)
        return time.monotonic() - started


# --- locust ------------------------------------------------------------------------------------
def cpu_busy() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine so far, from /proc/stat; (0, 0) without it."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return 0, 0
    return sum(fields[:8]) - fields[3] - fields[4], sum(fields[:8])


# The servers' processes, by name: they are not the stack's children (PostgreSQL's backends
# are the postmaster's), so they are found by their command name.
SERVER_ROLES = {"postgres": "postgres", "redis-server": "redis"}
SAGA_ROLES = ("worker", "relay")


def group_cpu(stack: Stack) -> dict[str, float]:
    """CPU seconds (user + system) used so far by each live process group of the stack (web:
    the gunicorn master and its workers; worker: Celery and its pool), by role, and by the
    PostgreSQL and Redis servers (every process of those names: the bench assumes nothing else
    uses them meanwhile). A process's reaped children count too (its cutime and cstime): a
    recycled gunicorn worker's time stays, and so does an ended PostgreSQL backend's (in the
    postmaster's)."""
    roles = {p.popen.pid: p.name.split("-", 1)[1] for p in stack.procs if p.alive()}
    used = dict.fromkeys([*roles.values(), *SERVER_ROLES.values()], 0.0)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2 :].split()  # from field 3, "state", on
        role = roles.get(int(fields[2]))  # pgrp
        if role is None:
            role = SERVER_ROLES.get(text[text.index("(") + 1 : text.rindex(")")])
        if role is not None:
            ticks = sum(int(x) for x in fields[11:15])  # utime, stime, cutime, cstime
            used[role] += ticks / os.sysconf("SC_CLK_TCK")
    return used


def locust(
    stack: Stack,
    phase: str,
    user_class: str,
    *,
    users: int,
    seconds: int,
    host: str,
    data: Path,
    order_rate: float = 1.0,
    order_arrivals: str = "poisson",
) -> dict[str, Any]:
    prefix = stack.logdir / phase
    env = {
        **stack.env,
        "SHOP_LOAD_DATA": str(data),
        "SHOP_LOAD_ORDER_RATE": str(order_rate),
        "SHOP_LOAD_ORDER_ARRIVALS": order_arrivals,
    }
    busy0, total0 = cpu_busy()
    cpu0 = group_cpu(stack)
    start = datetime.now(UTC)
    proc = stack.start(
        f"locust-{phase}",
        str(BIN / "locust"),
        "-f",
        LOCUSTFILE,
        user_class,
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(users),
        "--run-time",
        f"{seconds}s",
        "--host",
        host,
        "--csv",
        str(prefix),
        "--reset-stats",
        "--only-summary",
        "--stop-timeout",
        "5",
        "--loglevel",
        "WARNING",
        env=env,
    )
    children0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        proc.popen.wait(seconds + 120)
    except subprocess.TimeoutExpired:
        proc.stop()
        raise BenchError(f"locust ({phase}) did not finish:\n{proc.tail()}") from None
    children1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    end = datetime.now(UTC)
    busy1, total1 = cpu_busy()
    cpu1 = group_cpu(stack)
    stack.check_running()
    stats_file = Path(f"{prefix}_stats.csv")
    if not stats_file.exists():
        raise BenchError(f"locust ({phase}) wrote no statistics:\n{proc.tail()}")
    endpoints = {}
    with stats_file.open() as f:
        for row in csv.DictReader(f):
            endpoints[row["Name"]] = {
                "requests": int(row["Request Count"]),
                "errors": int(row["Failure Count"]),
                "rps": float(row["Requests/s"]),
                "p50_ms": float(row["50%"]),
                "p95_ms": float(row["95%"]),
                "p99_ms": float(row["99%"]),
                "avg_ms": float(row["Average Response Time"]),
            }
    failures = []
    with contextlib.suppress(FileNotFoundError), Path(f"{prefix}_failures.csv").open() as f:
        failures = [f"{r['Name']}: {r['Error']} (x{r['Occurrences']})" for r in csv.DictReader(f)]
    total = endpoints.pop("Aggregated", None)
    cpu = {role: round(cpu1.get(role, 0.0) - used, 2) for role, used in cpu0.items()}
    cpu["locust"] = round(
        children1.ru_utime + children1.ru_stime - children0.ru_utime - children0.ru_stime, 2
    )
    capacity = (total1 - total0) / os.sysconf("SC_CLK_TCK")  # CPU seconds the machine had
    return {
        "phase": phase,
        "users": users,
        "seconds": seconds,
        "start": start,
        "end": end,
        "endpoints": endpoints,
        "total": total,
        "failures": failures,
        "machine_cpu_busy": round((busy1 - busy0) / (total1 - total0), 2) if capacity else None,
        # CPU seconds each role, the PostgreSQL and Redis servers and locust used in the phase,
        # and the share of the machine they got (the rest went to whatever else runs here).
        "cpu_seconds": cpu,
        "cpu_at_start": cpu0,
        "run_share_of_machine": round(sum(cpu.values()) / capacity, 2) if capacity else None,
        "web_cpu_ms_per_request": round(cpu.get("web", 0.0) * 1000 / total["requests"], 2)
        if total and total["requests"]
        else None,
    }


# --- the run -----------------------------------------------------------------------------------
def run(args: argparse.Namespace) -> dict[str, Any]:
    began = time.monotonic()
    logdir = Path(tempfile.mkdtemp(prefix="modkit-shop-load-"))
    with contextlib.ExitStack() as services:
        database_url = services.enter_context(fresh_database(args.postgres))
        if args.redis:
            redis_url, first_db = args.redis, args.redis_db
        else:
            redis_url, first_db = services.enter_context(private_redis(logdir)), 0
        broker_url, cache_url = services.enter_context(
            redis_databases(redis_url, first_db, shared=bool(args.redis))
        )
        env = bench_env(database_url, broker_url, cache_url, logdir / "var", args)
        (logdir / "var").mkdir()
        stack = Stack(env, logdir)
        db = None
        try:
            stack.role("migrate").finish(600)
            stack.role("manage", "seed").finish(300)
            port = free_port()
            host = f"http://127.0.0.1:{port}"
            web_env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}"}
            stack.role("web", *shlex.split(args.gunicorn_args), env=web_env)
            stack.role("worker", "--without-mingle", "--without-gossip")
            stack.role("relay")
            stack.procs[-3].wait_for_output("Booting worker", 120)
            data = prepare(stack, host, args.customers, logdir)
            db = OrdersDb(database_url)
            first_drain = max(args.drain_seconds, 90)
            db.drain(first_drain, stack)  # the first orders paid: the worker and relay are up
            if db.unfinished():
                raise BenchError(
                    f"the saga did not pay the customers' first orders in {first_drain:.0f}s:"
                    f" see the worker's and relay's logs in {logdir}"
                )
            setup_seconds = time.monotonic() - began

            phases = [
                locust(
                    stack,
                    "bare",
                    "BareView",
                    users=args.users,
                    seconds=args.seconds,
                    host=host,
                    data=data,
                ),
                locust(
                    stack,
                    "product",
                    "ProductPage",
                    users=args.users,
                    seconds=args.seconds,
                    host=host,
                    data=data,
                ),
            ]
            mix = locust(
                stack,
                "mix",
                "ShopMix",
                users=args.users,
                seconds=args.mix_seconds,
                host=host,
                data=data,
            )
            phases.append(mix)
            order_phases = [mix]
            mix_orders = mix["endpoints"].get("place order", {}).get("rps", 0.0)
            if args.order_seconds and mix_orders < args.order_rate:
                users = max(1, round(args.order_rate))
                orders = locust(
                    stack,
                    "orders",
                    "OrderPlacer",
                    users=users,
                    seconds=args.order_seconds,
                    host=host,
                    data=data,
                    order_rate=args.order_rate / users,
                    order_arrivals=args.order_arrivals,
                )
                phases.append(orders)
                order_phases.append(orders)
            drain = db.drain(args.drain_seconds, stack)
            drained_cpu = group_cpu(stack)
            profile = profile_requests(stack, data) if args.profile else None
            for phase in order_phases:
                orders = phase["orders"] = db.window(phase["start"], phase["end"])
                orders["paid_per_s"] = orders["paid"] / phase["seconds"]
                # The saga's CPU (worker and relay) from the phase's start until the next phase
                # starts or the last drain ends, per order of the phase paid by the end. When
                # the phase only placed orders, PostgreSQL's and the whole stack's too (in the
                # mix most of their work serves the other requests).
                following = phases[phases.index(phase) + 1 :]
                until = following[0]["cpu_at_start"] if following else drained_cpu
                start = phase["cpu_at_start"]
                used = {
                    r: until[r] - start[r] for r in ("web", *SAGA_ROLES, *SERVER_ROLES.values())
                }
                per_order = {"saga": sum(used[r] for r in SAGA_ROLES)}
                if set(phase["endpoints"]) == {"place order"}:
                    per_order["postgres"] = used["postgres"]
                    per_order["stack"] = sum(used.values())  # web, worker, relay, the servers
                for what, seconds in per_order.items():
                    orders[f"{what}_cpu_ms_per_paid_order"] = (
                        round(seconds * 1000 / orders["paid"], 1) if orders["paid"] else None
                    )
        finally:
            if db is not None:
                db.close()
            stack.stop_all()
    result = summarize(args, phases, setup_seconds, drain, time.monotonic() - began, logdir)
    if profile is not None:
        result["profile"] = profile
    return result


def profile_requests(stack: Stack, data: Path) -> dict[str, Any]:
    """``bench.shopload.profile`` on the bench's database: per endpoint the mean time of one
    request under cProfile and its SQL queries; the whole report goes to a file."""
    output = stack.start(
        "profile", sys.executable, "-m", "bench.shopload.profile", f"--data={data}"
    ).finish(300)
    summary = {}
    for line in output.splitlines():
        if line.startswith("=== "):
            name, _, rest = line[4:].partition(": ")
            summary[name] = rest
    return {"summary": summary, "report": str(stack.procs[-1].log)}


def summarize(args, phases, setup_seconds, drain, elapsed, logdir) -> dict[str, Any]:
    by_name = {p["phase"]: p for p in phases}
    bare = by_name["bare"]["endpoints"]["bare view"]["rps"]
    product = by_name["product"]["endpoints"]["product page"]["rps"]
    ratio = product / bare if bare else 0.0
    order_phase = by_name.get("orders") or by_name["mix"]
    placing = order_phase["endpoints"].get("place order", {})
    errors = sum(e["errors"] for p in phases for e in p["endpoints"].values())
    cancelled = sum(p["orders"]["by_status"].get("cancelled", 0) for p in phases if "orders" in p)
    order_rate = placing.get("rps", 0.0)
    targets = {
        "product_vs_bare": {
            "value": round(ratio, 3),
            "target": f">= {TARGET_PRODUCT_RATIO:.0%}",
            "met": ratio >= TARGET_PRODUCT_RATIO,
        },
        "place_order_p99_ms": {
            "value": placing.get("p99_ms"),
            "at_orders_per_s": round(order_rate, 1),
            "target": f"< {TARGET_ORDER_P99_MS:.0f} ms at {TARGET_ORDER_RATE:.0f} orders/s",
            "met": bool(placing)
            and placing["p99_ms"] < TARGET_ORDER_P99_MS
            and order_rate >= 0.95 * TARGET_ORDER_RATE,
        },
        "errors": {"value": errors, "target": "0", "met": errors == 0},
        "orders_cancelled": {"value": cancelled, "target": "0", "met": cancelled == 0},
    }
    for phase in phases:
        del phase["cpu_at_start"]
        phase["start"] = phase["start"].isoformat()
        phase["end"] = phase["end"].isoformat()
        if "orders" in phase and phase["orders"]["last_paid_at"] is not None:
            phase["orders"]["last_paid_at"] = phase["orders"]["last_paid_at"].isoformat()
    return {
        "config": {
            "users": args.users,
            "web_workers": args.web_workers,
            "max_requests": args.max_requests,
            "gunicorn_args": args.gunicorn_args,
            "celery_concurrency": args.celery_concurrency,
            "deliveries_per_message": args.deliveries_per_message or None,
            "order_arrivals": args.order_arrivals,
            "customers": args.customers,
            "log_level": args.log_level,
            "cpus": os.cpu_count(),
            "load_average_at_start": args.load_at_start,
        },
        "phases": phases,
        "targets": targets,
        "setup_seconds": round(setup_seconds, 1),
        "final_drain_seconds": round(drain, 1),
        "elapsed_seconds": round(elapsed, 1),
        "logs": str(logdir),
    }


def report(result: dict[str, Any]) -> str:
    cfg = result["config"]
    lines = [
        f"shop load: {cfg['cpus']} CPUs, load average at start {cfg['load_average_at_start']}; "
        f"gunicorn {cfg['web_workers']} workers {cfg['gunicorn_args'] or '(sync)'}, Celery "
        f"concurrency {cfg['celery_concurrency']}, {cfg['users']} locust users",
        "",
        f"{'phase':<8} {'endpoint':<13} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
        f"{'errors':>6}",
    ]
    for phase in result["phases"]:
        for name in ENDPOINTS:
            if name in phase["endpoints"]:
                e = phase["endpoints"][name]
                lines.append(
                    f"{phase['phase']:<8} {name:<13} {e['rps']:>8.1f} {e['p50_ms']:>7.0f} "
                    f"{e['p95_ms']:>7.0f} {e['p99_ms']:>7.0f} {e['errors']:>6}"
                )
        if phase.get("total") and len(phase["endpoints"]) > 1:
            t = phase["total"]
            lines.append(f"{phase['phase']:<8} {'(all)':<13} {t['rps']:>8.1f}")
    lines += [
        "",
        "CPU: web ms per request; seconds used per role and server; their share of the machine",
    ]
    for phase in result["phases"]:
        used = ", ".join(f"{role} {sec:.1f}" for role, sec in phase["cpu_seconds"].items())
        lines.append(
            f"  {phase['phase']:<8} web {phase['web_cpu_ms_per_request']} ms/request; {used}; "
            f"together {phase['run_share_of_machine']:.0%} of a machine "
            f"{phase['machine_cpu_busy']:.0%} busy"
        )
    lines.append("")
    for phase in result["phases"]:
        if "orders" in phase:
            o = phase["orders"]
            lag = (
                f"lag placed->paid p50 {o['lag_p50_ms']:.0f} ms, p95 {o['lag_p95_ms']:.0f} ms"
                if o["lag_p50_ms"] is not None
                else "no order paid"
            )
            lines.append(
                f"{phase['phase']}: {o['placed']} orders placed, {o['paid']} paid by the end "
                f"({o['paid_per_s']:.1f} orders/s reaching paid; {o['paid_during_phase']} within "
                f"the phase), by status {o['by_status']}; {lag}; CPU ms per paid order: saga "
                f"(worker + relay) {o['saga_cpu_ms_per_paid_order']}"
                + (
                    f", PostgreSQL {o['postgres_cpu_ms_per_paid_order']}, the whole stack (with "
                    f"the web and Redis) {o['stack_cpu_ms_per_paid_order']}"
                    if "stack_cpu_ms_per_paid_order" in o
                    else ""
                )
            )
    lines.append("")
    for name, t in result["targets"].items():
        extra = f" at {t['at_orders_per_s']} orders/s" if "at_orders_per_s" in t else ""
        lines.append(
            f"{name}: {t['value']}{extra} (target {t['target']}): "
            f"{'met' if t['met'] else 'NOT met'}"
        )
    if "profile" in result:
        lines += ["", "one request in-process, under cProfile:"]
        lines += [f"  {name}: {what}" for name, what in result["profile"]["summary"].items()]
        lines.append(f"  (full report: {result['profile']['report']})")
    failures = [f for p in result["phases"] for f in p["failures"]]
    if failures:
        lines += ["", "failures:", *(f"  {f}" for f in failures[:20])]
    lines.append(
        f"\nsetup {result['setup_seconds']} s, whole run {result['elapsed_seconds']} s; "
        f"logs in {result['logs']}"
    )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=30, help="locust users (default 30)")
    parser.add_argument("--seconds", type=int, default=15, help="bare and product phases (15)")
    parser.add_argument("--mix-seconds", type=int, default=25, help="the mix phase (25)")
    parser.add_argument("--order-rate", type=float, default=TARGET_ORDER_RATE, help="orders/s (50)")
    parser.add_argument(
        "--order-seconds", type=int, default=20, help="the orders phase, 0 to skip it (20)"
    )
    parser.add_argument("--web-workers", type=int, default=3, help="gunicorn workers (3)")
    parser.add_argument(
        "--gunicorn-args", default="", help='extra gunicorn options, e.g. "-k gthread --threads 4"'
    )
    parser.add_argument(
        "--max-requests",
        type=int,
        default=0,
        help="GUNICORN_MAX_REQUESTS: recycle a web worker after that many requests (0: never; "
        "the image's default 1000 restarts a worker every few seconds at these rates)",
    )
    parser.add_argument(
        "--deliveries-per-message",
        type=int,
        default=0,
        help="MODKIT_EVENTS_DELIVERIES_PER_MESSAGE (0: the project's settings, 10; 1: a message "
        "per delivery)",
    )
    parser.add_argument("--celery-concurrency", type=int, default=2, help="worker processes (2)")
    parser.add_argument(
        "--order-arrivals",
        choices=("poisson", "lockstep"),
        default="poisson",
        help="the orders phase: each user's orders at Poisson arrivals (the default), or all "
        "users' at once every second (lockstep, a burst)",
    )
    parser.add_argument("--customers", type=int, default=30, help="customers with a token (30)")
    parser.add_argument(
        "--drain-seconds", type=float, default=30, help="wait for the saga at the end (30)"
    )
    parser.add_argument("--log-level", default="WARNING", help="LOG_LEVEL of every process")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument(
        "--redis",
        default="",
        help="a Redis server, e.g. redis://127.0.0.1:6379 (default: a private redis-server)",
    )
    parser.add_argument(
        "--redis-db",
        type=int,
        default=26,
        help="with --redis: the broker's database (26); the cache uses the next",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="after the load, cProfile each endpoint in-process (bench/shopload/profile.py)",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    args.load_at_start = [round(x, 2) for x in os.getloadavg()]
    try:
        result = run(args)
    except BenchError as exc:
        print(f"shop load: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2, default=str) if args.json else report(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
