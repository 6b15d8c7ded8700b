"""What the events machinery moves per second, and how late a handler sees an event.

    .venv/bin/python bench/events.py [--relay-events 10000] [--messages 5000]
                                     [--rate 100] [--duration 20] [--db-reuse-max N]
                                     [--deliver-acks-late] [--deliveries-per-message N]
                                     [--json]

Runs on PostgreSQL and Redis: a fresh database (created and dropped here) and one Redis database
(``--redis-db``, flushed at start and end), against the benchmark-only modules of
``bench/eventbench`` (``emitter`` publishes ``emitter.Ticked``; ``sink.record`` is its only
subscriber and writes one row, with the time it was handled, per event). Every relay, worker and
publisher is a real subprocess started and stopped here. Phases, in this order:

  relay      N events published in transactions of 500 with no worker running, then one
             ``manage.py relay`` process: deliveries dispatched per second, from the first
             batch's claim (its ``dispatched_at``) until none is pending.
  celery     the raw Celery baseline: M ``noop.delay(M)`` on a queue of its own, then one
             worker drains them; the no-op only INCRs a Redis counter (the first and last also
             store their time). Throughput = (M - 1) / (last - first completion). Two no-ops,
             each on its own queue: one acknowledged after it ran (``acks_late``, as the
             project's settings make every task), one as it starts (Celery's own default).
             Each is measured before and after the event phases and rated by the mean of the
             two; the baseline for the ratios is the faster of the two no-ops.
  drain      the same worker configuration started on the sink's queue, which holds the N
             messages the relay phase sent: handled per second, first to last ``handled_at``.
  e2e        relay and that worker running; a publisher commits M events in transactions of
             100: events per second from the first commit to the last handler commit.
  latency    a publisher at a steady ``--rate`` for ``--duration`` seconds, one event per
             transaction; latency = the sink row's ``handled_at`` - the event's ``occurred_at``.

The one worker configuration for every phase is the deployed one (``deploy/docker-entrypoint.sh``
and ``manage.py serve``): the prefork pool, with ``--concurrency 1``, prefetch multiplier 1 and
log level WARNING; a delivery's message is acknowledged as its handler starts (the outbox resends
a lost one; ``--deliver-acks-late`` sets ``MODKIT_EVENTS_ACKS_LATE`` to acknowledge after the
handler instead, as before). ``--db-reuse-max N`` sets Celery's
``CELERY_DB_REUSE_MAX`` in the workers (see bench/eventbench/celery_app.py);
``--deliveries-per-message N`` sets ``MODKIT_EVENTS_DELIVERIES_PER_MESSAGE`` in the relays (1: a
message per delivery, as before deliveries shared messages). Besides the rates,
each phase reports the CPU milliseconds its relay and worker processes spent per item (from
/proc, startup excluded): on a machine shared with other work that figure moves much less than
the rates do. Targets: relay >= 2,000/s, end-to-end >= 50% of raw Celery, latency p50 < 50 ms.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import benchprocs
from benchprocs import ROOT, BenchError

BIN = Path(sys.executable).parent
MODULES_PACKAGE = "bench.eventbench"
SINK_QUEUE = "sink"

TARGET_RELAY = 2000.0
TARGET_RATIO = 0.5
TARGET_P50_MS = 50.0


# --- processes -------------------------------------------------------------------------------
class Proc(benchprocs.Proc):
    """A benchmark process, optionally run under py-spy (``--py-spy``)."""

    tail_lines = 20

    def __init__(
        self, name: str, argv: list[str], env: dict[str, str], logdir: Path, pyspy: str = ""
    ) -> None:
        self.profiled = bool(pyspy)
        if pyspy:  # py-spy runs the process; stop() sends it SIGINT so that it writes its file
            profile = logdir / f"{name}.pyspy.txt"
            argv = [
                pyspy,
                "record",
                "--format",
                "raw",
                "--subprocesses",
                "-o",
                str(profile),
                "--",
                *argv,
            ]
        super().__init__(name, argv, env, logdir)

    def stop(self, grace: float = 30.0) -> None:
        """SIGTERM to the process (a warm shutdown for Celery), SIGKILL to its group after."""
        if self.profiled and self.alive():
            self.popen.send_signal(signal.SIGINT)  # py-spy writes its profile and exits
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(grace)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.popen.pid, signal.SIGTERM)
            time.sleep(1)
        if self.alive():
            self.popen.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(grace)
        self.kill_group()


class Stack:
    """Starts the benchmark's processes with one environment and stops whatever is left."""

    def __init__(self, env: dict[str, str], logdir: Path, pool: str, pyspy: str = "") -> None:
        self.env = env
        self.logdir = logdir
        self.pool = pool
        self.pyspy = pyspy
        self.procs: list[Proc] = []
        self.counter = 0

    def start(self, name: str, argv: list[str], *, profile: bool = False) -> Proc:
        self.counter += 1
        pyspy = self.pyspy if profile else ""
        proc = Proc(f"{self.counter:02d}-{name}", argv, self.env, self.logdir, pyspy)
        self.procs.append(proc)
        return proc

    def manage(self, name: str, *args: str) -> Proc:
        return self.start(name, [sys.executable, "manage.py", *args])

    def relay(self) -> Proc:
        proc = self.start("relay", [sys.executable, "manage.py", "relay"], profile=True)
        proc.wait_for_output("relay: watching", 60)
        return proc

    def worker(self, queue: str) -> Proc:
        return self.start(
            f"worker-{queue}",
            [
                str(BIN / "celery"),
                "-A",
                f"{MODULES_PACKAGE}.celery_app",  # config.celery's app (see there)
                "worker",
                "--queues",
                queue,
                f"--pool={self.pool}",
                "--concurrency=1",
                "--loglevel=WARNING",
                "--without-mingle",
                "--without-gossip",
                f"--hostname=eventbench-{queue}-{os.getpid()}@%h",
            ],
            profile=True,
        )

    def publish_start(
        self, count: int, phase: str, *, per_transaction: int, rate: float = 0.0
    ) -> Proc:
        return self.manage(
            f"publish-{phase}",
            "emit_ticks",
            str(count),
            f"--phase={phase}",
            f"--per-transaction={per_transaction}",
            f"--rate={rate}",
        )

    def publish_result(self, proc: Proc, timeout: float) -> dict:
        """Wait for a publisher; its JSON line (first and last commit times, seconds)."""
        try:
            proc.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.stop()
            raise BenchError(f"{proc.name} did not finish in {timeout:.0f}s") from None
        if proc.popen.returncode:
            raise BenchError(f"{proc.name} failed:\n{proc.tail()}")
        lines = [ln for ln in proc.log.read_text().splitlines() if ln.startswith("{")]
        return json.loads(lines[-1])

    def publish(self, count: int, phase: str, *, per_transaction: int, rate: float = 0.0) -> dict:
        proc = self.publish_start(count, phase, per_transaction=per_transaction, rate=rate)
        return self.publish_result(proc, (count / rate if rate else 0) + patience(count))

    def stop_all(self) -> None:
        for proc in reversed(self.procs):
            proc.stop(grace=10)


def wait_until(
    what: str, check: Callable[[], bool], timeout: float, procs: tuple[Proc, ...] = ()
) -> float:
    """Poll ``check`` every 20 ms; returns the wall-clock time at which it first held."""
    deadline = time.monotonic() + timeout
    while True:
        if check():
            return time.time()
        for proc in procs:
            if not proc.alive():
                raise BenchError(f"{proc.name} exited while waiting for {what}:\n{proc.tail()}")
        if time.monotonic() > deadline:
            raise BenchError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.02)


def patience(items: int) -> float:
    """Seconds to wait for ``items`` to be processed before giving up: 10 per second at worst
    (a machine busy with other work is slow, not broken)."""
    return 60 + items / 10


def group_cpu(procs: tuple[Proc, ...]) -> float:
    """CPU seconds (user + system) used so far by the live processes of these processes' groups
    (a prefork worker's pool processes included); 0 where there is no /proc."""
    groups = {p.popen.pid for p in procs}
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2 :].split()  # from field 3, "state", on
        if int(fields[2]) in groups:  # pgrp
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def track(
    what: str, progress: Callable[[], int], total: int, procs: tuple[Proc, ...], timeout: float
) -> float:
    """Poll ``progress()`` until it reaches ``total``; returns the CPU milliseconds that
    ``procs`` used per item between the first progress seen and the end (startup excluded)."""
    deadline = time.monotonic() + timeout
    first: tuple[int, float] | None = None
    while True:
        done = progress()
        if first is None and done:
            first = (done, group_cpu(procs))
        if done >= total:
            assert first is not None
            items = done - first[0]
            return (group_cpu(procs) - first[1]) * 1000 / items if items else float("nan")
        for proc in procs:
            if not proc.alive():
                raise BenchError(f"{proc.name} exited while waiting for {what}:\n{proc.tail()}")
        if time.monotonic() > deadline:
            raise BenchError(f"timed out after {timeout:.0f}s waiting for {what} ({done}/{total})")
        time.sleep(0.02)


# --- services --------------------------------------------------------------------------------
@contextlib.contextmanager
def fresh_database(server_url: str) -> Iterator[str]:
    import psycopg

    name = f"modkit_bench_events_{os.getpid()}"
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server_url}/{name}"
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(f"{server_url}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def cpu_times() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine so far, from /proc/stat; (0, 0) without it."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return 0, 0
    idle = fields[3] + fields[4]  # idle, iowait
    return sum(fields[:8]) - idle, sum(fields[:8])


def claim_redis_database(number: int) -> IO[str]:
    """A file lock on the Redis database number, held until the returned file is closed (the
    real-stack tests claim theirs, 10-15, the same way)."""
    lock = (Path(tempfile.gettempdir()) / f"modkit-tests-redis-db-{number}.lock").open("w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        raise BenchError(f"Redis database {number} is in use by another run: --redis-db") from None
    return lock


def bench_env(
    database_url: str,
    broker_url: str,
    var_dir: Path,
    db_reuse_max: int,
    acks_late: bool,
    per_message: int = 0,
) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_URL", "MODKIT_", "CELERY_", "DJANGO_", "EVENTBENCH_"))
    }
    if db_reuse_max:
        env["EVENTBENCH_DB_REUSE_MAX"] = str(db_reuse_max)
    if acks_late:
        env["MODKIT_EVENTS_ACKS_LATE"] = "1"
    if per_message:
        env["MODKIT_EVENTS_DELIVERIES_PER_MESSAGE"] = str(per_message)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        MODKIT_MODULES_PACKAGE=MODULES_PACKAGE,
        MODKIT_MODULES="all",
        MODKIT_VAR_DIR=str(var_dir),
        DATABASE_URL=database_url,
        CELERY_BROKER_URL=broker_url,
        EVENTBENCH_REDIS_URL=broker_url,
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
        PYTHONUNBUFFERED="1",
    )
    return env


# --- phases ----------------------------------------------------------------------------------
def phase_relay(stack: Stack, n: int, batch: int) -> dict[str, float]:
    from django.db.models import Min

    from modkit.models import Delivery

    pub = stack.publish(n, "relay", per_transaction=batch)
    pending = Delivery.objects.filter(state=Delivery.State.PENDING)
    if pending.count() != n:
        raise BenchError(f"expected {n} pending deliveries, found {pending.count()}")
    relay = stack.relay()
    cpu = track("the relay to dispatch all", lambda: n - pending.count(), n, (relay,), patience(n))
    end = time.time()
    relay.stop()
    start = Delivery.objects.aggregate(t=Min("dispatched_at"))["t"].timestamp()
    return {
        "deliveries": n,
        "seconds": end - start,
        "per_second": n / (end - start),
        "cpu_ms_per_delivery": cpu,
        "publish_per_second": n / pub["seconds"],
    }


def phase_celery(stack: Stack, m: int, *, early: bool) -> dict[str, float]:
    from bench.eventbench.sink import tasks

    task, queue = (
        (tasks.noop_early, tasks.NOOP_EARLY_QUEUE) if early else (tasks.noop, tasks.NOOP_QUEUE)
    )
    r = tasks.client()
    r.delete(tasks.COUNT_KEY, tasks.FIRST_KEY, tasks.LAST_KEY)
    began = time.perf_counter()
    for _ in range(m):
        task.apply_async((m,), queue=queue)  # delay(), on its own queue
    enqueue = time.perf_counter() - began
    worker = stack.worker(queue)
    cpu = track(
        "the no-op tasks", lambda: int(r.get(tasks.COUNT_KEY) or 0), m, (worker,), patience(m)
    )
    wait_until("the last no-op's time", lambda: r.get(tasks.LAST_KEY) is not None, 10)
    worker.stop()
    first, last = float(r.get(tasks.FIRST_KEY)), float(r.get(tasks.LAST_KEY))
    return {
        "tasks": m,
        "seconds": last - first,
        "per_second": (m - 1) / (last - first),
        "cpu_ms_per_task": cpu,
        "delay_per_second": m / enqueue,
    }


def phase_celery_both(stack: Stack, m: int) -> dict[str, dict[str, float]]:
    """The no-op acknowledged after it ran (the project's ``acks_late``), then as it starts."""
    return {
        "acks_late": phase_celery(stack, m, early=False),
        "early_ack": phase_celery(stack, m, early=True),
    }


def handled_span(phase: str) -> tuple[int, float, float]:
    from django.db.models import Count, Max, Min

    from bench.eventbench.sink.models import Received

    agg = Received.objects.filter(phase=phase).aggregate(
        n=Count("id"), first=Min("handled_at"), last=Max("handled_at")
    )
    return agg["n"], agg["first"].timestamp(), agg["last"].timestamp()


def phase_drain(stack: Stack, n: int) -> tuple[Proc, dict[str, float]]:
    from bench.eventbench.sink.models import Received

    rows = Received.objects.filter(phase="relay")
    worker = stack.worker(SINK_QUEUE)
    cpu = track("the worker to drain the queue", rows.count, n, (worker,), patience(n))
    count, first, last = handled_span("relay")
    return worker, {
        "events": count,
        "seconds": last - first,
        "per_second": (n - 1) / (last - first),
        "cpu_ms_per_event": cpu,
    }


def phase_e2e(stack: Stack, m: int, batch: int, worker: Proc, relay: Proc) -> dict[str, float]:
    from bench.eventbench.sink.models import Received

    rows = Received.objects.filter(phase="e2e")
    publisher = stack.publish_start(m, "e2e", per_transaction=batch)
    cpu = track("every e2e event handled", rows.count, m, (worker, relay), patience(m))
    pub = stack.publish_result(publisher, 60)
    count, _, last = handled_span("e2e")
    seconds = last - pub["first_commit"]
    return {
        "events": count,
        "seconds": seconds,
        "per_second": m / seconds,
        "cpu_ms_per_event": cpu,
        "publish_per_second": m / pub["seconds"],
    }


def phase_latency(
    stack: Stack, rate: float, duration: float, worker: Proc, relay: Proc
) -> dict[str, float]:
    from bench.eventbench.sink.models import Received

    count = int(rate * duration)
    rows = Received.objects.filter(phase="latency")
    pub = stack.publish(count, "latency", per_transaction=1, rate=rate)
    wait_until(
        "every latency event handled",
        lambda: rows.count() >= count,
        patience(count),
        (worker, relay),
    )
    ms = sorted(
        (handled - occurred).total_seconds() * 1000
        for occurred, handled in rows.values_list("occurred_at", "handled_at")
    )
    q = statistics.quantiles(ms, n=100, method="inclusive")
    return {
        "events": len(ms),
        "achieved_rate": count / pub["seconds"],
        "p50_ms": q[49],
        "p90_ms": q[89],
        "p99_ms": q[98],
        "max_ms": ms[-1],
        "min_ms": ms[0],
    }


def integrity() -> dict[str, int]:
    """Every delivery done, one sink row per event, one inbox entry per row."""
    from django.db.models import Count

    from bench.eventbench.sink.models import Received
    from modkit.models import Delivery, InboxEntry, OutboxEvent

    states = dict(Delivery.objects.values_list("state").annotate(n=Count("id")))
    rows = Received.objects.count()
    distinct = Received.objects.values("event_id").distinct().count()
    return {
        "events": OutboxEvent.objects.count(),
        "deliveries_done": states.get(Delivery.State.DONE, 0),
        "deliveries_not_done": sum(n for s, n in states.items() if s != Delivery.State.DONE),
        "sink_rows": rows,
        "duplicate_rows": rows - distinct,
        "inbox_entries": InboxEntry.objects.count(),
    }


# --- the run ---------------------------------------------------------------------------------
def run(args: argparse.Namespace) -> dict[str, Any]:
    import redis

    broker_url = f"{args.redis_url.rstrip('/')}/{args.redis_db}"
    lock = claim_redis_database(args.redis_db)
    broker = redis.Redis.from_url(broker_url)
    broker.flushdb()
    tmp = Path(tempfile.mkdtemp(prefix="modkit-bench-events-"))
    logdir = tmp / "logs"
    logdir.mkdir()
    try:
        with fresh_database(args.postgres_url.rstrip("/")) as database_url:
            env = bench_env(
                database_url,
                broker_url,
                tmp / "var",
                args.db_reuse_max,
                args.deliver_acks_late,
                args.deliveries_per_message,
            )
            os.environ.update(env)
            sys.path.insert(0, str(ROOT))
            import django

            django.setup()
            from django.core.management import call_command

            call_command("migrate", verbosity=0, interactive=False)
            stack = Stack(env, logdir, args.pool, args.py_spy)
            load_start, busy_start = os.getloadavg()[0], cpu_times()
            try:
                result = phases(stack, args)
            except BaseException:
                args.keep_logs = True  # what went wrong is in the processes' logs
                raise
            finally:
                stack.stop_all()
            busy_end = cpu_times()
            result["machine"] = {
                "cpus": os.cpu_count(),
                "loadavg_1m_at_start": load_start,
                "loadavg_1m_at_end": os.getloadavg()[0],
                "cpu_busy_during_run": (busy_end[0] - busy_start[0])
                / max(1, busy_end[1] - busy_start[1]),
            }
            result["integrity"] = integrity()
            return result
    finally:
        broker.flushdb()
        lock.close()
        if args.keep_logs:
            print(f"logs: {logdir}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def phases(stack: Stack, args: argparse.Namespace) -> dict[str, Any]:
    def note(text: str) -> None:
        if not args.json:
            print(f"  .. {text}", flush=True)

    note(f"relay: publishing {args.relay_events} events, then one relay process")
    relay_fig = phase_relay(stack, args.relay_events, args.publish_batch)
    note(f"raw celery: {args.messages} no-op tasks, one worker, each way of acknowledging")
    celery_before = phase_celery_both(stack, args.messages)
    note(f"drain: the worker on the sink queue ({args.relay_events} queued messages)")
    worker, drain_fig = phase_drain(stack, args.relay_events)
    note(f"e2e: relay + worker, {args.messages} events published in transactions of 100")
    relay = stack.relay()
    e2e_fig = phase_e2e(stack, args.messages, args.e2e_batch, worker, relay)
    note(f"latency: {args.rate:g} events/s for {args.duration:g}s")
    latency_fig = phase_latency(stack, args.rate, args.duration, worker, relay)
    relay.stop()
    worker.stop()
    note("raw celery again")
    celery_after = phase_celery_both(stack, args.messages)

    raw: dict[str, Any] = {}
    for way in ("acks_late", "early_ack"):
        before, after = celery_before[way], celery_after[way]
        rate = statistics.mean([before["per_second"], after["per_second"]])
        raw[way] = {"before": before, "after": after, "per_second": rate}
    # The ratios are taken against the faster of the two no-ops.
    raw["baseline"] = max(("acks_late", "early_ack"), key=lambda way: raw[way]["per_second"])
    raw["per_second"] = baseline = raw[raw["baseline"]]["per_second"]
    acks = "acks_late" if args.deliver_acks_late else "acknowledged as the handler starts"
    return {
        "worker": f"celery worker --pool={args.pool} --concurrency=1 (prefetch 1; {acks})",
        "deliver_acks_late": args.deliver_acks_late,
        "deliveries_per_message": args.deliveries_per_message or None,
        "celery_db_reuse_max": args.db_reuse_max or None,
        "relay": relay_fig,
        "celery_raw": raw,
        "drain": {**drain_fig, "ratio_to_raw": drain_fig["per_second"] / baseline},
        "e2e": {**e2e_fig, "ratio_to_raw": e2e_fig["per_second"] / baseline},
        "latency": {**latency_fig, "rate": args.rate, "duration": args.duration},
        "targets": {
            "relay_per_second>=2000": relay_fig["per_second"] >= TARGET_RELAY,
            "e2e_ratio>=0.5": e2e_fig["per_second"] / baseline >= TARGET_RATIO,
            "latency_p50_ms<50": latency_fig["p50_ms"] < TARGET_P50_MS,
        },
    }


def report(r: dict[str, Any]) -> None:
    def met(ok: bool) -> str:
        return "met" if ok else "NOT met"

    t = r["targets"]
    c = r["celery_raw"]
    lat = r["latency"]
    reuse = r["celery_db_reuse_max"]
    print(f"events on PostgreSQL + Redis; one worker: {r['worker']}")
    default = "the project's settings (1000 unless the environment sets it)"
    print(f"  CELERY_DB_REUSE_MAX: {reuse or default}")
    per_message = r["deliveries_per_message"] or "the project's settings (10)"
    print(f"  MODKIT_EVENTS_DELIVERIES_PER_MESSAGE: {per_message}")
    print(f"  {'':<30} {'per second':>10} {'CPU ms/item':>11}  target / ratio")
    rows = [
        (
            "relay dispatch (deliveries)",
            r["relay"]["per_second"],
            r["relay"]["cpu_ms_per_delivery"],
            f">= 2,000/s: {met(t['relay_per_second>=2000'])}",
        ),
        *(
            (
                f"raw celery no-op, {way.replace('_', ' ')}",
                c[way]["per_second"],
                statistics.mean(
                    [c[way]["before"]["cpu_ms_per_task"], c[way]["after"]["cpu_ms_per_task"]]
                ),
                f"before {c[way]['before']['per_second']:,.0f}/s, after "
                f"{c[way]['after']['per_second']:,.0f}/s"
                + ("; the baseline" if way == c["baseline"] else ""),
            )
            for way in ("acks_late", "early_ack")
        ),
        (
            "worker drain (events)",
            r["drain"]["per_second"],
            r["drain"]["cpu_ms_per_event"],
            f"{r['drain']['ratio_to_raw']:.0%} of raw celery",
        ),
        (
            "end-to-end (events)",
            r["e2e"]["per_second"],
            r["e2e"]["cpu_ms_per_event"],
            f"{r['e2e']['ratio_to_raw']:.0%} of raw celery; >= 50%: {met(t['e2e_ratio>=0.5'])}",
        ),
    ]
    for name, rate, cpu, note in rows:
        print(f"  {name:<30} {rate:>10,.0f} {cpu:>11.2f}  {note}")
    print(
        f"  latency at {lat['rate']:g}/s for {lat['duration']:g}s: p50 {lat['p50_ms']:.1f} ms, "
        f"p90 {lat['p90_ms']:.1f}, p99 {lat['p99_ms']:.1f}, max {lat['max_ms']:.1f} "
        f"(achieved {lat['achieved_rate']:.0f}/s); p50 < 50 ms: {met(t['latency_p50_ms<50'])}"
    )
    i = r["integrity"]
    print(
        f"  publisher: {r['relay']['publish_per_second']:,.0f} events/s in transactions of 500; "
        f"delay(): {c['acks_late']['before']['delay_per_second']:,.0f}/s"
    )
    print(
        f"  integrity: {i['events']} events, {i['deliveries_done']} deliveries done, "
        f"{i['deliveries_not_done']} not done, {i['duplicate_rows']} duplicate effects"
    )
    m = r["machine"]
    print(
        f"  machine: {m['cpus']} CPUs, {m['cpu_busy_during_run']:.0%} busy during the run (this "
        f"benchmark and any other work); load average {m['loadavg_1m_at_start']:.1f} at the "
        f"start, {m['loadavg_1m_at_end']:.1f} at the end"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--relay-events", type=int, default=10000, help="relay and drain phases")
    parser.add_argument("--messages", type=int, default=5000, help="celery and e2e phases")
    parser.add_argument("--publish-batch", type=int, default=500, help="events per transaction")
    parser.add_argument("--e2e-batch", type=int, default=100, help="events per transaction")
    parser.add_argument("--rate", type=float, default=100.0, help="latency phase, events/s")
    parser.add_argument("--duration", type=float, default=20.0, help="latency phase, seconds")
    parser.add_argument("--pool", default="prefork", help="the worker pool (keep the default)")
    parser.add_argument(
        "--db-reuse-max",
        type=int,
        default=0,
        metavar="N",
        help="set CELERY_DB_REUSE_MAX=N in the workers (0: the project's settings, where Celery "
        "opens a new database connection for every task)",
    )
    parser.add_argument(
        "--deliver-acks-late",
        action="store_true",
        help="MODKIT_EVENTS_ACKS_LATE=1 in the workers: a delivery's message is acknowledged "
        "after its handler ran, not as it starts",
    )
    parser.add_argument(
        "--deliveries-per-message",
        type=int,
        default=0,
        metavar="N",
        help="MODKIT_EVENTS_DELIVERIES_PER_MESSAGE=N in the relays: the most deliveries of one "
        "queue in one message (0: the project's settings; 1: a message per delivery)",
    )
    parser.add_argument("--postgres-url", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379")
    parser.add_argument("--redis-db", type=int, default=9, help="flushed at start and end")
    parser.add_argument("--keep-logs", action="store_true", help="keep the processes' logs")
    parser.add_argument(
        "--py-spy",
        default="",
        metavar="PATH",
        help="profile the relays and workers with this py-spy (raw stacks beside the logs; "
        "implies --keep-logs; the figures are then not comparable)",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    args.keep_logs = args.keep_logs or bool(args.py_spy)
    result = run(args)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        report(result)


if __name__ == "__main__":
    main()
