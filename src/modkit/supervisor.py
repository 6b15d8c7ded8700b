"""A group of different child processes that start together and stop together.

``manage.py serve`` runs the web server, the Celery worker, beat and the relay this way. The rule
is that the group is never half-alive:

- a stop signal (SIGINT, SIGTERM, SIGHUP) to the supervisor stops every child: SIGTERM, a grace
  period, then SIGKILL; a second signal skips the rest of the grace period; the exit status is 0;
- a child that exits on its own, whatever its code, brings the others down the same way and the
  exit status is non-zero, after a message naming the child and how it ended.

Each child leads its own process group, so a terminal's Ctrl-C reaches only the supervisor (which
then stops the children in order) and whatever a child leaves behind (gunicorn's workers, the
Celery pool) is killed with its group. On Linux each child also gets SIGTERM if the supervisor
itself dies without cleaning up (``PR_SET_PDEATHSIG``), so a ``kill -9`` of it leaves no orphans.

Every line a child prints is copied to the supervisor's output, prefixed by the child's name.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TextIO

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class Child:
    """One member of the group: a short name for messages and log prefixes, and its argv."""

    name: str
    argv: tuple[str, ...]


@dataclass(frozen=True)
class _Failure:
    reason: str
    status: int


def describe_exit(returncode: int) -> str:
    """``code 3`` or ``signal SIGKILL``, from a ``Popen.returncode``."""
    if returncode < 0:
        try:
            return f"signal {signal.Signals(-returncode).name}"
        except ValueError:
            return f"signal {-returncode}"
    return f"code {returncode}"


def exit_status(returncode: int) -> int:
    """The supervisor's exit status after a child ended with ``returncode``: never 0."""
    if returncode < 0:
        return 128 - returncode
    return returncode or 1


def _parent_death_signal() -> Callable[[], None] | None:
    """A ``preexec_fn`` asking Linux to SIGTERM the child when its parent dies, if available."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def preexec() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)

    return preexec


class ProcessGroup:
    """Run ``children`` until one of them ends or a stop signal arrives, then stop them all.

    Call :meth:`run` from the main thread (it installs signal handlers, restored on return).
    """

    def __init__(
        self,
        children: Sequence[Child],
        *,
        label: str = "serve",
        cwd: str | Path | None = None,
        env: Mapping[str, str] | None = None,
        grace: float = 10.0,
        out: TextIO | None = None,
        poll_interval: float = 0.1,
    ) -> None:
        names = [c.name for c in children]
        if not children or len(set(names)) != len(names):
            raise ValueError(f"children need unique names, got {names}")
        self.children = tuple(children)
        self.label = label
        self.cwd = cwd
        self.env = {**(os.environ if env is None else env), "PYTHONUNBUFFERED": "1"}
        self.grace = grace
        self.out = out if out is not None else sys.stdout
        self.poll_interval = poll_interval
        self._width = max(len(n) for n in [*names, label])
        self._write_lock = threading.Lock()
        self._procs: dict[str, subprocess.Popen[bytes]] = {}
        self._readers: list[threading.Thread] = []
        self._stop_signal: int | None = None
        self._hurry = False

    # --- the public operation ----------------------------------------------------------------

    def run(self) -> int:
        """Start every child and supervise them; 0 after a requested stop, non-zero otherwise.

        Blocks until every child has ended. Call it from the main thread: it installs handlers
        for the stop signals and restores the previous ones before returning.
        """
        previous = {s: signal.signal(s, self._on_signal) for s in STOP_SIGNALS}
        try:
            failure = self._start_all() or self._watch()
            if failure is None:
                assert self._stop_signal is not None
                self.say(f"received {signal.Signals(self._stop_signal).name}: stopping everything")
            else:
                self.say(f"{failure.reason}: stopping everything")
            self._stop_all()
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        if failure is None:
            self.say("stopped")
            return 0
        self.say(f"stopped because {failure.reason}")
        return failure.status

    def say(self, message: str) -> None:
        self._write(self.label, message + "\n")

    # --- internals -----------------------------------------------------------------------------

    def _on_signal(self, signum: int, frame: object) -> None:
        if self._stop_signal is None:
            self._stop_signal = signum
        else:
            self._hurry = True

    def _start_all(self) -> _Failure | None:
        preexec = _parent_death_signal()
        for child in self.children:
            if self._stop_signal is not None:
                break
            try:
                proc = subprocess.Popen(
                    child.argv,
                    cwd=self.cwd,
                    env=self.env,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    process_group=0,
                    preexec_fn=preexec,  # safe: no threads exist yet, the readers start below
                )
            except OSError as exc:
                self._start_readers()
                return _Failure(f"{child.name} could not start ({exc})", 1)
            self._procs[child.name] = proc
            self.say(f"{child.name} started, pid {proc.pid}: {' '.join(child.argv)}")
        self._start_readers()
        return None

    def _start_readers(self) -> None:
        for name, proc in self._procs.items():
            assert proc.stdout is not None
            reader = threading.Thread(
                target=self._copy_lines, args=(name, proc.stdout), name=f"log-{name}", daemon=True
            )
            reader.start()
            self._readers.append(reader)

    def _copy_lines(self, name: str, stream: IO[bytes]) -> None:
        with stream:
            for line in iter(stream.readline, b""):
                self._write(name, line.decode(errors="replace"))

    def _write(self, name: str, text: str) -> None:
        if not text.endswith("\n"):
            text += "\n"
        with self._write_lock:
            self.out.write(f"{name:<{self._width}} | {text}")
            self.out.flush()

    def _watch(self) -> _Failure | None:
        while self._stop_signal is None:
            for name, proc in self._procs.items():
                returncode = proc.poll()
                if returncode is not None:
                    return _Failure(
                        f"{name} exited unexpectedly with {describe_exit(returncode)}",
                        exit_status(returncode),
                    )
            time.sleep(self.poll_interval)
        return None

    def _stop_all(self) -> None:
        for proc in reversed(self._procs.values()):
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.grace
        while self._running() and time.monotonic() < deadline and not self._hurry:
            time.sleep(self.poll_interval)
        waited = "a second signal" if self._hurry else f"{self.grace:g}s"
        for name in self._running():
            self.say(f"{name} still running after {waited}: killing it")
        for proc in self._procs.values():
            # Also kills what a child left behind in its group (pool processes, gunicorn workers).
            # A pid stays reserved while it names a live process group, and Linux hands out pids
            # in sequence, so this reaches only what our child left behind.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        for reader in self._readers:
            reader.join(timeout=2)

    def _running(self) -> list[str]:
        return [name for name, proc in self._procs.items() if proc.poll() is None]
