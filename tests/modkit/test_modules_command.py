"""``manage.py modules`` (CONTRACT §7): the table, the graph, the ini and ``modules check``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from modkit import boundaries
from modkit.events.subscriptions import Subscription
from modkit.management.commands.modules import (
    Edge,
    interface_callers,
    module_edges,
    render_dot,
    render_mermaid,
)
from modkit.modules import registry
from tests.modkit.test_boundaries import ROOT, Plant, copy_project, run

FAKE_MODULES = "tests.modkit.fake_modules"


def command(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("modules", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def fake_modules(settings: Any) -> None:
    settings.MODKIT_MODULES_PACKAGE = FAKE_MODULES
    settings.MODKIT_HOSTED = ("ledger", "billing")
    settings.MODKIT_REMOTES = {"audit": "http://audit.internal:8002"}
    settings.MODKIT_DATABASES = {"ledger": "ledger"}


# --- the table ---------------------------------------------------------------------------------
def test_table_shows_where_each_module_runs_and_what_it_offers(fake_modules: None) -> None:
    out, err = command()
    assert err == ""
    rows = [line.split() for line in out.splitlines()]
    assert rows[0] == [
        "MODULE", "WHERE", "DEPENDS", "ON", "QUEUE", "DATABASE", "PUBLISHES", "CONSUMES",
        "OPERATIONS",
    ]  # fmt: skip
    assert rows[1:] == [
        ["audit", "remote", "http://audit.internal:8002", "-", "audit", "-", "-", "-", "record"],
        ["ledger", "hosted", "-", "ledger", "ledger", "-", "-", "balance,", "post,", "count"],
        ["billing", "hosted", "ledger", "billing", "default", "-", "-", "charge"],
    ]


def test_table_shows_a_module_neither_hosted_nor_remote_as_absent(
    fake_modules: None, settings: Any
) -> None:
    settings.MODKIT_HOSTED = ("ledger",)
    settings.MODKIT_REMOTES = {}
    out, _ = command()
    where = {line.split()[0]: line.split()[1] for line in out.splitlines()[1:]}
    assert where == {"audit": "absent", "ledger": "hosted", "billing": "absent"}


def test_table_of_the_real_modules_lists_their_operations() -> None:
    out, err = command()
    assert err == ""
    lines = {line.split()[0]: line for line in out.splitlines()[1:]}
    assert "inventory" in lines
    assert "get_stock" in lines["inventory"]


# --- the graph ---------------------------------------------------------------------------------
def test_graph_as_mermaid(fake_modules: None) -> None:
    out, _ = command("graph")
    assert out == (
        "flowchart LR\n"
        "    audit[audit]\n"
        "    billing[billing]\n"
        "    ledger[ledger]\n"
        "    billing -->|calls| ledger\n"
    )
    assert command("graph", "--format", "mermaid")[0] == out


def test_graph_as_dot(fake_modules: None) -> None:
    out, _ = command("graph", "--format", "dot")
    assert out == (
        "digraph modules {\n"
        "    rankdir=LR;\n"
        "    node [shape=box];\n"
        '    "audit";\n'
        '    "billing";\n'
        '    "ledger";\n'
        '    "billing" -> "ledger" [label="calls", style=solid];\n'
        "}\n"
    )


def subscription(event: str, handler: str) -> Subscription:
    module, _, function = handler.partition(".")
    return Subscription(event, handler, module, module, function)


def test_event_edges_join_publisher_to_subscriber_with_the_event_names(fake_modules: None) -> None:
    subscribed = [
        subscription("ledger.Posted", "billing.on_posted"),
        subscription("ledger.Reversed", "billing.on_reversed"),
        subscription("ledger.Posted", "billing.again"),
        subscription("ledger.Posted", "audit.record_posting"),
        subscription("billing.Charged", "audit.record_charge"),
    ]
    assert module_edges(registry.specs.values(), subscribed) == [
        Edge("billing", "ledger", "calls"),
        Edge("billing", "audit", "events", "billing.Charged"),
        Edge("ledger", "audit", "events", "ledger.Posted"),
        Edge("ledger", "billing", "events", "ledger.Posted, ledger.Reversed"),
    ]


def test_a_dependency_declared_only_to_consume_events_is_drawn_as_its_event_edge(
    fake_modules: None,
) -> None:
    subscribed = [subscription("ledger.Posted", "billing.on_posted")]
    events_only = module_edges(registry.specs.values(), subscribed, callers={})
    assert events_only == [Edge("ledger", "billing", "events", "ledger.Posted")]
    calling = module_edges(registry.specs.values(), subscribed, callers={"billing": {"ledger"}})
    assert calling == [
        Edge("billing", "ledger", "calls"),
        Edge("ledger", "billing", "events", "ledger.Posted"),
    ]


def test_callers_are_read_from_the_interface_imports(fake_modules: None) -> None:
    assert interface_callers(registry.specs.values(), FAKE_MODULES) == {"billing": {"ledger"}}


def test_event_edges_are_dashed_and_labelled(fake_modules: None) -> None:
    edges = [
        Edge("billing", "ledger", "calls"),
        Edge("ledger", "billing", "events", "ledger.Posted"),
    ]
    assert render_mermaid(["billing", "ledger"], edges).splitlines()[-2:] == [
        "    billing -->|calls| ledger",
        "    ledger -.->|ledger.Posted| billing",
    ]
    assert render_dot(["billing", "ledger"], edges).splitlines()[-3:-1] == [
        '    "billing" -> "ledger" [label="calls", style=solid];',
        '    "ledger" -> "billing" [label="ledger.Posted", style=dashed];',
    ]


# --- importlinter ------------------------------------------------------------------------------
def test_importlinter_prints_the_generated_file(fake_modules: None) -> None:
    out, _ = command("importlinter")
    pkg = FAKE_MODULES
    assert out.startswith("# The import contracts of the modules")
    assert f"ignore_imports =\n    {pkg}.billing.** -> {pkg}.ledger.interface\n" in out
    assert out == boundaries.render_importlinter(
        {"audit": (), "billing": ("ledger",), "ledger": ()}, boundaries.Layout.current()
    )


def test_importlinter_of_the_repository_matches_the_committed_file() -> None:
    out, _ = command("importlinter")
    assert out == (ROOT / "importlinter.ini").read_text()


# --- modules check, as a process ---------------------------------------------------------------
def manage(tree: Path, *args: str) -> Any:
    return run(tree, sys.executable, "manage.py", *args)


def test_check_passes_on_the_repository(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MODKIT_", "DATABASE_URL_"))}
    env |= {"DJANGO_SETTINGS_MODULE": "config.settings.test", "MODKIT_VAR_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "manage.py", "modules", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.splitlines()[-1].startswith("modules check: no violations (")


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tree = copy_project(tmp_path_factory.mktemp("project"))
    assert manage(tree, "modules", "importlinter", "--write").returncode == 0
    return tree


@pytest.fixture
def tree(pristine: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(pristine, tmp_path / "project"))


def test_check_passes_on_the_copy_with_the_fake_modules(tree: Path) -> None:
    result = manage(tree, "modules", "check")
    assert result.returncode == 0, result.stderr
    assert "system checks (modkit): 0 error(s) in " in result.stdout
    assert "import contracts (importlinter.ini): 3 kept, 0 broken" in result.stdout


def test_check_names_an_undeclared_import_and_fails(tree: Path) -> None:
    with Plant(tree, "modules/ledger/services.py", "from modules.audit.interface import audit"):
        result = manage(tree, "modules", "check")
    assert result.returncode == 1
    assert (
        "modules/ledger/services.py:2: (modkit.E002) imports modules.audit.interface, but "
        "module 'ledger' does not declare 'audit' in depends_on"
    ) in result.stderr
    assert "HINT: add 'audit' to depends_on in modules.ledger.apps" in result.stderr
    # The same import, as import-linter sees it:
    assert "import-linter: broken contract 'Modules import only the public" in result.stderr
    assert "modules.ledger.services -> modules.audit.interface" in result.stderr
    assert result.stderr.splitlines()[-1] == "modules check: 2 violation(s)"
    assert "system checks (modkit): 1 error(s)" in result.stdout

    assert manage(tree, "modules", "check").returncode == 0


def test_check_names_a_layer_violation_found_only_by_import_linter(tree: Path) -> None:
    with Plant(tree, "modules/ledger/models.py", "from . import services"):
        result = manage(tree, "modules", "check")
    assert result.returncode == 1
    assert "modkit.E0" not in result.stderr
    assert "modules.ledger.models -> modules.ledger.services" in result.stderr
    assert "import contracts (importlinter.ini): 2 kept, 1 broken" in result.stdout


def test_check_names_a_cross_module_relation(tree: Path) -> None:
    models_py = (
        "from django.db import models\n\n\n"
        "class Posting(models.Model):\n"
        "    product = models.ForeignKey('catalog.Product', on_delete=models.PROTECT)\n"
    )
    (tree / "modules" / "ledger" / "models.py").write_text(models_py)
    result = manage(tree, "modules", "check")
    assert result.returncode == 1
    assert (
        "ledger.Posting.product: (modkit.E001) ledger.Posting.product is a ForeignKey from "
        "module 'ledger' to catalog.Product of module 'catalog'"
    ) in result.stderr
    assert "reference it by id (a plain field, e.g. product_id)" in result.stderr


def test_check_fails_when_depends_on_changes_without_regenerating_the_ini(tree: Path) -> None:
    apps_py = tree / "modules" / "billing" / "apps.py"
    apps_py.write_text(apps_py.read_text().replace('("ledger",)', '("ledger", "audit")'))

    result = manage(tree, "modules", "check")
    assert result.returncode == 1
    assert "(modkit.E007) importlinter.ini is out of sync with the modules' depends_on" in (
        result.stderr
    )
    assert "'modules.billing.** -> modules.audit.interface'" in result.stderr
    assert "HINT: run python manage.py modules importlinter --write" in result.stderr
    # Every manage.py command refuses to run on it, not only `modules check`:
    assert manage(tree, "check").returncode == 1

    assert manage(tree, "modules", "importlinter", "--write").returncode == 0
    assert manage(tree, "modules", "check").returncode == 0
