"""``manage.py serve``: the whole application as one process group (what ``make run`` starts).

Children, all with this process's environment and working directory ``BASE_DIR``:

  web     gunicorn serving ``config.wsgi`` on ``--host``:``--port``
  worker  a Celery worker consuming every hosted module's queue and ``default``
  beat    the Celery scheduler, its state file under the var directory
  relay   ``manage.py relay``, the outbox relay, as soon as that command exists

:func:`children` is the one list to extend for another member of the group. The supervision
itself (fail together, stop together) lives in :mod:`modkit.supervisor`.
"""

from __future__ import annotations

import socket
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import get_commands
from django.core.management.base import BaseCommand, CommandError, CommandParser
from kombu.utils.url import maybe_sanitize_url

from modkit.modules import registry
from modkit.supervisor import Child, ProcessGroup


def worker_queues() -> list[str]:
    """Every hosted module's queue, in dependency order, then the default queue."""
    queues = [spec.queue for spec in registry.ordered(registry.hosted)]
    return list(dict.fromkeys([*queues, settings.CELERY_TASK_DEFAULT_QUEUE]))


def children(*, host: str, port: int, web_workers: int, concurrency: int) -> list[Child]:
    """The members of the group, in start order (they are stopped in reverse)."""
    python = sys.executable
    group = [
        Child(
            "web",
            (
                python,
                "-m",
                "gunicorn",
                "config.wsgi",
                "--bind",
                f"{host}:{port}",
                "--workers",
                str(web_workers),
                "--timeout",
                "60",
                "--graceful-timeout",
                "5",
                "--access-logfile",
                "-",
            ),
        ),
        Child(
            "worker",
            (
                python,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--queues",
                ",".join(worker_queues()),
                "--concurrency",
                str(concurrency),
                "--hostname",
                f"serve-{port}@%h",
                # A single worker has no peers to synchronise with at start or to gossip with.
                "--without-mingle",
                "--without-gossip",
                "--loglevel",
                "INFO",
            ),
        ),
        Child(
            "beat",
            (
                python,
                "-m",
                "celery",
                "-A",
                "config",
                "beat",
                "--schedule",
                str(settings.CELERY_BEAT_SCHEDULE_FILENAME),
                "--loglevel",
                "INFO",
            ),
        ),
    ]
    # The relay joins the group by existing: nothing here changes when its command lands.
    if "relay" in get_commands():
        group.append(Child("relay", (python, str(Path(settings.BASE_DIR) / "manage.py"), "relay")))
    return group


def prepare_embedded_broker() -> None:
    """Create the folders of the filesystem broker (kombu expects them to exist)."""
    if not str(settings.CELERY_BROKER_URL).startswith("filesystem://"):
        return
    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if key in options:
            Path(options[key]).mkdir(parents=True, exist_ok=True)


def ensure_port_free(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise CommandError(
                f"cannot listen on {host}:{port} ({exc.strerror}): "
                "stop what uses it or pass --port N"
            ) from exc


def positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = (
        "Run web (gunicorn), a Celery worker for every hosted queue, beat and the event relay as "
        "one process group. Ctrl-C or SIGTERM stops all of them; if any one dies, all stop and "
        "the exit status is non-zero."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
        parser.add_argument("--port", type=int, default=8000, help="port to listen on")
        parser.add_argument(
            "--workers", type=positive, default=2, help="gunicorn worker processes (default 2)"
        )
        parser.add_argument(
            "--concurrency", type=positive, default=2, help="Celery worker processes (default 2)"
        )
        parser.add_argument(
            "--grace",
            type=float,
            default=10.0,
            help="seconds the children get to stop before they are killed (default 10)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        host, port = options["host"], options["port"]
        self.check_migrations()
        ensure_port_free(host, port)
        prepare_embedded_broker()
        group = children(
            host=host,
            port=port,
            web_workers=options["workers"],
            concurrency=options["concurrency"],
        )
        self.banner(host, port, group)
        status = ProcessGroup(
            group, label="serve", cwd=settings.BASE_DIR, grace=options["grace"], out=sys.stdout
        ).run()
        if status:
            sys.exit(status)

    def banner(self, host: str, port: int, group: list[Child]) -> None:
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        url = f"http://{f'[{shown}]' if ':' in shown else shown}:{port}/"
        lines = [
            self.style.SUCCESS(f"modkit serving {url}")
            + f"  (admin {url}admin/, API docs {url}api/docs/)",
            f"  processes: {', '.join(c.name for c in group)}",
            f"  worker queues: {', '.join(worker_queues())}",
            f"  broker: {maybe_sanitize_url(settings.CELERY_BROKER_URL)}",
            "  logs: every process writes to this terminal, each line prefixed by its name",
            "  Ctrl-C stops everything.",
        ]
        self.stdout.write("\n".join(lines))
        self.stdout.flush()
