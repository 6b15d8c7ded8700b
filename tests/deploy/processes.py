"""Helpers for tests that start real processes: environments, free ports, waiting, cleanup.

Every process started through :class:`Started` gets a private SQLite file and var directory
(so its filesystem broker is its own), a bounded wait for everything, and a teardown that kills
whatever it left behind, so a failing test never leaks processes into the next one.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
VENV_BIN = Path(sys.executable).parent
MANAGE = (PYTHON, str(ROOT / "manage.py"))

# Variables of the outer environment that would point a child at shared state (CI's PostgreSQL
# and Redis, a module's own database, another process's var directory).
_INHERITED_STATE = ("DATABASE_URL", "CELERY_", "MODKIT_", "DJANGO_SETTINGS_MODULE", "CACHE_URL")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def embedded_env(db_dir: Path, var_dir: Path, **extra: str) -> dict[str, str]:
    """The embedded shape (SQLite + filesystem broker) on private paths, dev settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_INHERITED_STATE)}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.dev",
        DATABASE_URL=f"sqlite:///{db_dir / 'db.sqlite3'}",
        CELERY_BROKER_URL="filesystem://",
        MODKIT_VAR_DIR=str(var_dir),
        PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def production_env(db_dir: Path, var_dir: Path, **extra: str) -> dict[str, str]:
    """Like :func:`embedded_env` but with production settings and good secrets."""
    return embedded_env(
        db_dir,
        var_dir,
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50),
        MODKIT_RPC_SECRET=secrets.token_urlsafe(32),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        **extra,
    )


def run(argv: Sequence[str], env: Mapping[str, str], timeout: float = 120) -> str:
    """Run to completion; fail the test with the output if it does not exit 0."""
    done = subprocess.run(
        argv,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, f"{' '.join(argv)} exited {done.returncode}:\n{done.stdout}"
    return done.stdout


def alive(processes: Sequence[psutil.Process]) -> list[psutil.Process]:
    """Those still running (a zombie awaiting its reaper counts as gone)."""
    survivors = []
    for proc in processes:
        with contextlib.suppress(psutil.NoSuchProcess):
            if proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE:
                survivors.append(proc)
    return survivors


def wait_until_gone(processes: Sequence[psutil.Process], timeout: float) -> list[psutil.Process]:
    deadline = time.monotonic() + timeout
    while (survivors := alive(processes)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return survivors


class Started:
    """A background process whose output is collected line by line."""

    base_url = ""  # where it serves HTTP, for those that do

    def __init__(self, argv: Sequence[str], env: Mapping[str, str]) -> None:
        self.argv = list(argv)
        self.proc = subprocess.Popen(
            self.argv,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            start_new_session=True,
        )
        self.lines: list[str] = []
        self._seen: dict[int, psutil.Process] = {}
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def fail(self, why: str) -> None:
        raise AssertionError(f"{why}\n--- output of {' '.join(self.argv)} ---\n{self.output}")

    def wait_for_output(self, text: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output:
            if self.proc.poll() is not None:
                self.fail(f"exited {self.proc.returncode} before printing {text!r}")
            if time.monotonic() > deadline:
                self.fail(f"did not print {text!r} within {timeout}s")
            time.sleep(0.1)

    def wait_for_http(self, url: str, timeout: float = 60) -> bytes:
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                self.fail(f"exited {self.proc.returncode} before {url} answered")
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    return response.read()
            except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
                if time.monotonic() > deadline:
                    self.fail(f"{url} did not answer within {timeout}s: {exc}")
            time.sleep(0.2)

    def descendants(self) -> list[psutil.Process]:
        """Every process below this one seen so far (remembered, so the dead are still listed)."""
        with contextlib.suppress(psutil.NoSuchProcess):
            for child in psutil.Process(self.proc.pid).children(recursive=True):
                self._seen.setdefault(child.pid, child)
        return list(self._seen.values())

    def signal(self, signum: int) -> None:
        self.proc.send_signal(signum)

    def wait(self, timeout: float) -> int:
        try:
            returncode = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.fail(f"still running {timeout}s later")
        self._reader.join(timeout=5)
        return returncode

    def stop(self, timeout: float = 60) -> int:
        self.signal(signal.SIGTERM)
        return self.wait(timeout)

    def kill_everything(self) -> None:
        """Teardown: SIGKILL this process, its group and every descendant ever seen."""
        everyone = self.descendants()
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        for proc in alive(everyone):
            with contextlib.suppress(psutil.NoSuchProcess):
                proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)


@contextlib.contextmanager
def started(argv: Sequence[str], env: Mapping[str, str]) -> Iterator[Started]:
    process = Started(argv, env)
    try:
        yield process
    finally:
        process.kill_everything()
