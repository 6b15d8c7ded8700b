"""What the benchmarks share: a subprocess in its own process group with its output in a log file.

Imported by ``bench/events.py`` and ``bench/shop_load.py`` (run as scripts, so ``bench/`` is on
``sys.path``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class BenchError(RuntimeError):
    """The benchmark cannot go on (a process died, a wait timed out); the message says why."""


class Proc:
    """A subprocess in its own process group, its output in ``<logdir>/<name>.log``."""

    tail_lines = 25

    def __init__(self, name: str, argv: list[str], env: dict[str, str], logdir: Path) -> None:
        self.name = name
        self.log = logdir / f"{name}.log"
        with self.log.open("ab") as out:
            self.popen = subprocess.Popen(
                argv,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def alive(self) -> bool:
        return self.popen.poll() is None

    def tail(self, lines: int | None = None) -> str:
        text = self.log.read_text(errors="replace").splitlines()
        return "\n".join(text[-(lines or self.tail_lines) :])

    def wait_for_output(self, needle: str, timeout: float, poll: float = 0.05) -> None:
        deadline = time.monotonic() + timeout
        while needle not in self.log.read_text(errors="replace"):
            if not self.alive():
                raise BenchError(f"{self.name} exited early:\n{self.tail()}")
            if time.monotonic() > deadline:
                raise BenchError(f"{self.name}: no {needle!r} after {timeout}s:\n{self.tail()}")
            time.sleep(poll)

    def kill_group(self) -> None:
        """SIGKILL to whatever is left of the process group, then reap the process."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(5)
