"""Subscriptions in the boundary checks (modkit.E011, E012) and in ``manage.py modules``.

The checks are planted on a copy of the eventmods package under ``tmp_path`` (its own name, so
nothing planted touches the repository); the table and the graph are read from eventmods itself.
"""

from __future__ import annotations

import shutil
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.checks import run_checks
from django.core.management import call_command

from modkit import checks
from modkit.events import types

EVENTMODS = Path(__file__).resolve().parent / "eventmods"


@dataclass
class Copy:
    """A copy of eventmods importable as ``package``, with ``root`` as its project root."""

    root: Path
    package: str

    def path(self, relative: str) -> Path:
        return self.root / self.package / relative

    def write(self, relative: str, text: str) -> None:
        self.path(relative).write_text(text, encoding="utf-8")

    def subscribe_line(self, relative: str, decorator: str) -> int:
        lines = self.path(relative).read_text().splitlines()
        return lines.index(decorator) + 1


@pytest.fixture
def copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: Any) -> Iterator[Copy]:
    package = f"eventmods_{uuid.uuid4().hex[:10]}"
    shutil.copytree(EVENTMODS, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.syspath_prepend(str(tmp_path))
    # The copy's events.py registers its events under the same names as the originals'.
    monkeypatch.setattr(types, "_EVENT_TYPES", dict(types._EVENT_TYPES))
    settings.MODKIT_MODULES_PACKAGE = package
    yield Copy(tmp_path, package)
    for name in [m for m in sys.modules if m == package or m.startswith(f"{package}.")]:
        del sys.modules[name]


def subscription_errors() -> list[Any]:
    return checks.check_subscriptions()


# --- the checks --------------------------------------------------------------------------------
def test_the_test_modules_pass(copy: Copy) -> None:
    assert subscription_errors() == []


def test_eventmods_itself_passes() -> None:
    assert subscription_errors() == []


def test_subscribing_without_depends_on_is_named_with_file_line_and_fix(copy: Copy) -> None:
    apps_py = copy.path("alpha/apps.py")
    apps_py.write_text(apps_py.read_text().replace('depends_on = ("source",)', "depends_on = ()"))

    errors = subscription_errors()
    assert [e.id for e in errors] == ["modkit.E011"]
    line = copy.subscribe_line("alpha/receivers.py", "@subscribe(ThingHappened)")
    assert errors[0].obj == f"{copy.package}/alpha/receivers.py:{line}"
    assert errors[0].msg == (
        "alpha.record handles source.ThingHappened, but module 'alpha' does not declare "
        "'source' in depends_on"
    )
    assert errors[0].hint == (
        f"add 'source' to depends_on in {copy.package}.alpha.apps, then run "
        "python manage.py modules importlinter --write"
    )
    # It is a system check: every manage.py command runs it.
    assert "modkit.E011" in [m.id for m in run_checks(tags=[checks.TAG])]


MISSPELT = """\
from modkit.events import subscribe

from ..source.events import ThingHapened
from .models import Effect


@subscribe(ThingHapened)
def record(event) -> None:
    Effect.objects.create(event_id=event.event_id, handler="record", n=event.n)
"""


def test_a_misspelt_event_is_named_with_file_line_and_the_declared_events(copy: Copy) -> None:
    copy.write("beta/receivers.py", MISSPELT)

    errors = subscription_errors()
    assert [e.id for e in errors] == ["modkit.E012"]
    assert errors[0].obj == f"{copy.package}/beta/receivers.py:7"
    assert errors[0].msg == (
        f"beta.record handles source.ThingHapened, which {copy.package}.source.events does "
        "not declare"
    )
    assert errors[0].hint == "subscribe to one of its events: source.ThingHappened"


def test_a_misspelt_event_through_the_events_module_is_named_too(copy: Copy) -> None:
    copy.write(
        "beta/receivers.py",
        "from modkit.events import subscribe\n\nfrom ..source import events\n\n\n"
        "@subscribe(events.ThingHapend)\ndef record(event) -> None:\n    pass\n",
    )
    errors = subscription_errors()
    assert [(e.id, e.obj) for e in errors] == [
        ("modkit.E012", f"{copy.package}/beta/receivers.py:6")
    ]
    assert "handles source.ThingHapend, which" in errors[0].msg


def test_an_event_of_no_module_is_named(copy: Copy) -> None:
    copy.write(
        "beta/receivers.py",
        "from modkit.events import subscribe\n\nfrom ..sauce.events import ThingHappened\n\n\n"
        "@subscribe(ThingHappened)\ndef record(event) -> None:\n    pass\n",
    )
    errors = subscription_errors()
    assert [e.id for e in errors] == ["modkit.E012"]
    assert errors[0].msg == (
        "beta.record handles sauce.ThingHappened, but there is no module 'sauce'"
    )
    assert errors[0].hint == "the modules are: alpha, beta, source"


def test_a_subscribe_that_names_no_imported_event_is_reported(copy: Copy) -> None:
    copy.write(
        "beta/receivers.py",
        "from modkit.events import subscribe\n\n\n"
        "@subscribe(object)\ndef record(event) -> None:\n    pass\n",
    )
    errors = subscription_errors()
    assert [e.id for e in errors] == ["modkit.E012"]
    assert errors[0].msg.startswith(f"{copy.package}/beta/receivers.py:5: @subscribe needs an")


def test_an_events_file_that_fails_to_import_is_reported_not_raised(copy: Copy) -> None:
    copy.write("source/events.py", "import a_package_that_is_not_there\n")
    errors = subscription_errors()
    assert errors[0].id == "modkit.E012"
    assert errors[0].obj == f"{copy.package}.source"
    assert errors[0].msg == (
        f"{copy.package}.source.events cannot be imported: "
        "No module named 'a_package_that_is_not_there'"
    )
    # and the subscriptions to its events cannot resolve:
    assert {e.msg.partition(" handles ")[0] for e in errors[1:]} >= {"alpha.record", "beta.record"}


# --- manage.py modules -------------------------------------------------------------------------
def modules(*args: str) -> str:
    out, err = StringIO(), StringIO()
    call_command("modules", *args, stdout=out, stderr=err)
    assert err.getvalue() == ""
    return out.getvalue()


def test_table_lists_published_and_consumed_events() -> None:
    lines = modules().splitlines()
    header = lines[0].split()
    assert header[5:8] == ["DATABASE", "PUBLISHES", "CONSUMES"]
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    # MODULE WHERE DEPENDS QUEUE DATABASE PUBLISHES CONSUMES OPERATIONS
    assert rows["source"] == [
        "source", "hosted", "-", "source", "default", "source.ThingHappened", "-", "-",
    ]  # fmt: skip
    assert rows["alpha"][6] == "source.ThingHappened"
    assert rows["beta"][5:7] == ["-", "source.ThingHappened"]


def test_graph_draws_event_edges_from_publisher_to_subscribers() -> None:
    mermaid = modules("graph")
    assert "    source -.->|source.ThingHappened| alpha\n" in mermaid
    assert "    source -.->|source.ThingHappened| beta\n" in mermaid
    # alpha and beta depend on source only to consume its events: no call is drawn.
    assert "-->|calls|" not in mermaid
    dot = modules("graph", "--format", "dot")
    assert '    "source" -> "alpha" [label="source.ThingHappened", style=dashed];\n' in dot
    assert '    "source" -> "beta" [label="source.ThingHappened", style=dashed];\n' in dot
