"""``manage.py serve`` and the process group under it: all up together, all down together.

The supervisor tests run :class:`modkit.supervisor.ProcessGroup` in a subprocess over tiny Python
children (fast). The ``slow`` tests start the real thing — gunicorn, a Celery worker and beat on
the embedded SQLite + filesystem broker — against a private database and var directory.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import textwrap
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from tests.deploy.processes import (
    MANAGE,
    PYTHON,
    Started,
    alive,
    embedded_env,
    free_port,
    run,
    started,
    wait_until_gone,
)

SUPERVISE = textwrap.dedent(
    """
    import json, sys
    from modkit.supervisor import Child, ProcessGroup
    specs = json.loads(sys.argv[1])
    children = [Child(name, (sys.executable, "-c", code)) for name, code in specs.items()]
    sys.exit(ProcessGroup(children, grace=float(sys.argv[2])).run())
    """
)
SLEEPER = "import time; print('up', flush=True); time.sleep(60)"
STUBBORN = (
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
    "print('up', flush=True); time.sleep(60)"
)


def supervise(
    children: dict[str, str], grace: float = 5.0
) -> contextlib.AbstractContextManager[Started]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return started([PYTHON, "-c", SUPERVISE, json.dumps(children), str(grace)], env)


def wait_all_up(group: Started, count: int) -> list[psutil.Process]:
    deadline = time.monotonic() + 20
    while group.output.count("| up\n") < count:
        if time.monotonic() > deadline:
            group.fail(f"{count} children did not all start")
        time.sleep(0.05)
    return group.descendants()


class TestProcessGroup:
    def test_a_stop_signal_stops_every_child_and_exits_0(self) -> None:
        with supervise({"one": SLEEPER, "two": SLEEPER}) as group:
            members = wait_all_up(group, 2)
            assert len(members) == 2
            group.signal(signal.SIGTERM)
            assert group.wait(timeout=20) == 0
            assert "received SIGTERM: stopping everything" in group.output
            assert not alive(members)

    def test_a_child_that_fails_takes_the_group_down_with_its_code(self) -> None:
        flaky = "import sys, time; time.sleep(0.5); sys.exit(3)"
        with supervise({"steady": SLEEPER, "flaky": flaky}) as group:
            assert group.wait(timeout=20) == 3
            assert "flaky exited unexpectedly with code 3" in group.output
            assert not alive(group.descendants())

    def test_a_child_that_ends_cleanly_still_counts_as_a_failure(self) -> None:
        with supervise({"steady": SLEEPER, "brief": "pass"}) as group:
            assert group.wait(timeout=20) == 1
            assert "brief exited unexpectedly with code 0" in group.output

    def test_a_child_that_ignores_sigterm_is_killed_after_the_grace_period(self) -> None:
        with supervise({"stubborn": STUBBORN}, grace=1.0) as group:
            members = wait_all_up(group, 1)
            group.signal(signal.SIGINT)
            assert group.wait(timeout=20) == 0
            assert "stubborn still running after 1s: killing it" in group.output
            assert not alive(members)

    def test_output_lines_carry_the_child_name(self) -> None:
        with supervise({"talker": "print('hello')", "steady": SLEEPER}) as group:
            group.wait(timeout=20)
            assert re.search(r"^talker +\| hello$", group.output, re.MULTILINE)


# --- the real thing --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated and seeded SQLite database shared by the serve tests (each has its own var)."""
    db_dir = tmp_path_factory.mktemp("serve-db")
    env = embedded_env(db_dir, db_dir / "var")
    run([*MANAGE, "migrate", "--noinput"], env)
    run([*MANAGE, "seed"], env)
    return db_dir


@pytest.fixture
def serve(seeded: Path, tmp_path: Path) -> Iterator[Started]:
    port = free_port()
    env = embedded_env(seeded, tmp_path / "var")
    argv = [*MANAGE, "serve", "--port", str(port), "--workers", "1", "--concurrency", "1"]
    with started(argv, env) as process:
        process.base_url = f"http://127.0.0.1:{port}"
        process.wait_for_http(f"{process.base_url}/health/live/", timeout=90)
        process.wait_for_output(" ready.", timeout=90)  # the Celery worker consumes
        process.wait_for_output("beat: Starting...", timeout=90)
        yield process


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.status == 200
        return json.load(response)


def child_pid(output: str, name: str) -> int:
    match = re.search(rf"^serve +\| {name} started, pid (\d+)", output, re.MULTILINE)
    assert match, f"no start line for {name} in:\n{output}"
    return int(match.group(1))


@pytest.mark.slow
@pytest.mark.timeout(240)
class TestServe:
    def test_serves_the_api_then_stops_every_child_on_sigterm(self, serve) -> None:
        for name in ("web", "worker", "beat"):
            assert f"{name} started, pid" in serve.output
        assert get_json(f"{serve.base_url}/api/schema/?format=json")["openapi"].startswith("3.")
        products = get_json(f"{serve.base_url}/api/v1/catalog/products/")
        assert products["count"] > 0
        assert {"sku", "name", "price", "currency"} <= set(products["results"][0])

        members = serve.descendants()
        assert len(members) >= 4  # web master + its worker, celery worker + its pool, beat
        assert serve.stop(timeout=60) == 0
        assert "received SIGTERM: stopping everything" in serve.output
        assert not wait_until_gone(members, timeout=5)

    def test_a_killed_child_brings_the_group_down(self, serve) -> None:
        members = serve.descendants()
        os.kill(child_pid(serve.output, "worker"), signal.SIGKILL)
        assert serve.wait(timeout=60) != 0
        assert "worker exited unexpectedly with signal SIGKILL" in serve.output
        assert not wait_until_gone(members, timeout=5)

    def test_children_do_not_outlive_a_killed_supervisor(self, serve) -> None:
        members = serve.descendants()
        serve.signal(signal.SIGKILL)
        serve.wait(timeout=10)
        assert not wait_until_gone(members, timeout=60)
