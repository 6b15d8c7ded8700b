"""deploy/docker-entrypoint.sh run directly (no Docker): each role starts what it should.

Roles run with the production settings, as in the image, on a private SQLite file and var
directory; processes are stopped with SIGTERM as a container runtime would.
"""

from __future__ import annotations

import signal
import sqlite3
from pathlib import Path

import pytest
from django.core.management import get_commands

from tests.deploy.processes import ROOT, free_port, production_env, run, started

ENTRYPOINT = str(ROOT / "deploy" / "docker-entrypoint.sh")

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    var = tmp_path / "var"
    # The embedded broker's folders, which `serve` creates in the all-in-one shape.
    for folder in ("queue", "processed", "control"):
        (var / "broker" / folder).mkdir(parents=True)
    return production_env(tmp_path, var)


def tables(database: Path) -> set[str]:
    with sqlite3.connect(database) as db:
        return {row[0] for row in db.execute("select name from sqlite_master where type='table'")}


def test_migrate_migrates_every_database(env: dict[str, str], tmp_path: Path) -> None:
    inventory_db = tmp_path / "inventory.sqlite3"
    env["DATABASE_URL_INVENTORY"] = f"sqlite:///{inventory_db}"
    output = run([ENTRYPOINT, "migrate"], env)
    assert "migrate: database default" in output
    assert "migrate: database inventory" in output
    assert "auth_user" in tables(tmp_path / "db.sqlite3")
    assert any(t.startswith("inventory_") for t in tables(inventory_db))
    assert not any(t.startswith("inventory_") for t in tables(tmp_path / "db.sqlite3"))


def test_production_roles_refuse_to_start_without_secrets(env: dict[str, str]) -> None:
    del env["SECRET_KEY"]
    with started([ENTRYPOINT, "migrate"], env) as process:
        assert process.wait(timeout=60) != 0
        assert "SECRET_KEY is missing or insecure" in process.output


def test_web_serves_until_stopped(env: dict[str, str]) -> None:
    run([ENTRYPOINT, "migrate"], env)
    port = free_port()
    with started([ENTRYPOINT, "web"], {**env, "PORT": str(port)}) as web:
        assert web.wait_for_http(f"http://127.0.0.1:{port}/health/live/") == b'{"status": "ok"}'
        assert "gunicorn" in web.output.lower()
        assert web.stop(timeout=60) == 0


@pytest.mark.parametrize(
    ("role", "started_line"),
    [("worker", " ready."), ("beat", "beat: Starting...")],
)
def test_celery_roles_start_and_stop(env: dict[str, str], role: str, started_line: str) -> None:
    with started([ENTRYPOINT, role], env) as process:
        process.wait_for_output(started_line, timeout=90)
        assert process.stop(timeout=60) == 0


def test_worker_consumes_every_queue_unless_told(env: dict[str, str]) -> None:
    from modkit.modules import registry

    with started([ENTRYPOINT, "worker"], env) as process:
        process.wait_for_output(" ready.", timeout=90)
        for spec in registry.ordered(registry.hosted):
            assert f".> {spec.queue} " in process.output
        assert ".> default " in process.output
        process.signal(signal.SIGTERM)
        process.wait(timeout=60)
    with started([ENTRYPOINT, "worker"], {**env, "CELERY_QUEUES": "default"}) as process:
        process.wait_for_output(" ready.", timeout=90)
        assert ".> default " in process.output
        assert ".> inventory " not in process.output


def test_relay_role_runs_the_relay_command(env: dict[str, str]) -> None:
    if "relay" not in get_commands():
        pytest.xfail("manage.py relay arrives with the outbox relay")
    assert "usage: manage.py relay" in run([ENTRYPOINT, "relay", "--help"], env)


def test_serve_role_passes_arguments_to_serve(env: dict[str, str]) -> None:
    assert "usage: manage.py serve" in run([ENTRYPOINT, "serve", "--help"], env)


def test_anything_else_runs_as_a_command(env: dict[str, str]) -> None:
    assert run([ENTRYPOINT, "python", "-c", "print(1)"], env) == "1\n"
