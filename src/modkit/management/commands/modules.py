"""``manage.py modules``: the modules of this project, their graph and their boundary checks.

    manage.py modules                          table: where each module runs, its dependencies,
                                               operations, events, queue and database
    manage.py modules graph [--format dot]     the module graph (mermaid by default): calls
                                               (depends_on) and events, publisher to subscriber
    manage.py modules check                    every boundary check; exit 1 on a violation
    manage.py modules importlinter [--write]   print (or write) the generated importlinter.ini
    manage.py modules schema <module>          the module's interface and events as OpenAPI 3.1
                                               (JSON Schema inside; see modkit.schema)

Progress and summaries go to stdout, violations and errors to stderr.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.checks import run_checks
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.module_loading import import_string

from modkit import boundaries
from modkit.checks import TAG, EventsNotImportable, expected_importlinter, published_events
from modkit.db import module_alias
from modkit.events.subscriptions import Subscription, subscriptions
from modkit.modules import ModuleSpec, registry

NONE = "-"
UNKNOWN = "?"  # shown when a module's events or receivers cannot be read (the error on stderr)


@dataclass(frozen=True)
class Edge:
    """A directed edge of the module graph.

    ``kind`` is ``calls`` (a module calls a module of its ``depends_on``) or ``events`` (from
    publisher to subscriber, ``label`` naming the events), drawn dashed.
    """

    source: str
    target: str
    kind: str
    label: str = ""


EDGE_STYLES = {"calls": ("-->", "solid"), "events": ("-.->", "dashed")}  # mermaid arrow, dot style


def module_edges(
    specs: Iterable[ModuleSpec],
    subscribed: Iterable[Subscription] = (),
    callers: Mapping[str, Collection[str]] | None = None,
) -> list[Edge]:
    """Every edge of the module graph, in a stable order: calls, then events.

    An event edge joins an event's publisher (the module its name starts with) to each module
    subscribing to it, labelled with the names of the events that flow that way. A calls edge
    stands for a ``depends_on`` entry, except one declared only to consume the other module's
    events: with ``callers`` (the modules whose interface each module imports), such a
    dependency is drawn as its event edge alone.
    """
    specs = sorted(specs, key=lambda s: s.name)
    flows: dict[tuple[str, str], set[str]] = {}
    for sub in subscribed:
        flows.setdefault((sub.event.partition(".")[0], sub.module), set()).add(sub.event)

    def calls(module: str, dep: str) -> bool:
        if callers is None or (dep, module) not in flows:
            return True
        return dep in callers.get(module, ())

    return [
        *(
            Edge(spec.name, dep, "calls")
            for spec in specs
            for dep in sorted(spec.depends_on)
            if calls(spec.name, dep)
        ),
        *(
            Edge(source, target, "events", ", ".join(sorted(names)))
            for (source, target), names in sorted(flows.items())
        ),
    ]


def interface_callers(specs: Iterable[ModuleSpec], modules_package: str) -> dict[str, set[str]]:
    """For each module, the modules whose interface it imports, read from its files."""
    names_by_package = {spec.package: spec.name for spec in specs}
    callers: dict[str, set[str]] = {}
    for package, name in names_by_package.items():
        directory = boundaries.package_directory(package)
        for found in boundaries.module_imports(package, directory, modules_package):
            other, _, rest = found.target.removeprefix(f"{modules_package}.").partition(".")
            if rest.partition(".")[0] == "interface":
                other_name = names_by_package.get(f"{modules_package}.{other}", other)
                if other_name != name:
                    callers.setdefault(name, set()).add(other_name)
    return callers


def render_mermaid(names: Sequence[str], edges: Sequence[Edge]) -> str:
    lines = ["flowchart LR", *(f"    {name}[{name}]" for name in names)]
    lines += [
        f"    {e.source} {EDGE_STYLES[e.kind][0]}|{e.label or e.kind}| {e.target}" for e in edges
    ]
    return "\n".join(lines) + "\n"


def render_dot(names: Sequence[str], edges: Sequence[Edge]) -> str:
    lines = ["digraph modules {", "    rankdir=LR;", "    node [shape=box];"]
    lines += [f'    "{name}";' for name in names]
    lines += [
        f'    "{e.source}" -> "{e.target}" '
        f'[label="{e.label or e.kind}", style={EDGE_STYLES[e.kind][1]}];'
        for e in edges
    ]
    return "\n".join([*lines, "}"]) + "\n"


class Command(BaseCommand):
    help = (
        "The modules: a table (default), `graph`, `check` (all boundary checks), "
        "`importlinter`, `schema <module>`."
    )
    # `modules check` runs the system checks itself and reports them with the linter's results.
    requires_system_checks: Sequence[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", metavar="{graph,check,importlinter,schema}")
        graph = actions.add_parser("graph", help="the module graph: calls and events")
        graph.add_argument("--format", choices=("mermaid", "dot"), default="mermaid")
        actions.add_parser(
            "check",
            help="every boundary check: system checks tagged modkit and the import contracts",
        )
        ini = actions.add_parser(
            "importlinter", help="print the importlinter.ini the modules' depends_on imply"
        )
        ini.add_argument("--write", action="store_true", help="rewrite importlinter.ini")
        schema = actions.add_parser(
            "schema", help="a module's interface and events as OpenAPI 3.1 (JSON Schema inside)"
        )
        schema.add_argument("module", help="the module's name, as in the table")

    def handle(self, *args: Any, action: str | None = None, **options: Any) -> None:
        if action == "graph":
            self.graph(options["format"])
        elif action == "check":
            self.check_boundaries()
        elif action == "importlinter":
            self.importlinter(write=options["write"])
        elif action == "schema":
            self.schema(options["module"])
        else:
            self.table()

    # --- table ---------------------------------------------------------------------------------
    def table(self) -> None:
        header = ("MODULE", "WHERE", "DEPENDS ON", "QUEUE", "DATABASE", "PUBLISHES", "CONSUMES")
        consumed = self.consumed()
        rows = [
            (
                *self.row(spec),
                self.published(spec),
                consumed.get(spec.name, NONE),
                self.operations(spec),
            )
            for spec in registry.ordered()
        ]
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        for row in [(*header, "OPERATIONS"), *rows]:
            cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
            self.stdout.write("  ".join([*cells, row[-1]]).rstrip())

    def row(self, spec: ModuleSpec) -> tuple[str, ...]:
        if registry.is_hosted(spec.name):
            where, database = "hosted", module_alias(spec.name) or "default"
        elif spec.name in registry.remotes:
            where, database = f"remote {registry.remotes[spec.name]}", "-"
        else:
            where, database = "absent", "-"
        depends = ",".join(spec.depends_on) or NONE
        return (spec.name, where, depends, spec.queue, database)

    def published(self, spec: ModuleSpec) -> str:
        try:
            events = published_events(spec)
        except EventsNotImportable as exc:
            self.stderr.write(f"{spec.name}: {exc}")
            return UNKNOWN
        return ",".join(e.event_name for e in events) or NONE

    def consumed(self) -> dict[str, str]:
        """The events each module subscribes to, by module (``?`` for all if unreadable)."""
        try:
            subscribed = subscriptions()
        except (ValueError, SyntaxError) as exc:
            self.stderr.write(f"cannot read the subscriptions: {exc}")
            return dict.fromkeys(registry.specs, UNKNOWN)
        by_module: dict[str, set[str]] = {}
        for sub in subscribed:
            by_module.setdefault(sub.module, set()).add(sub.event)
        return {name: ",".join(sorted(events)) for name, events in by_module.items()}

    def operations(self, spec: ModuleSpec) -> str:
        if not spec.interface_path:
            return "-"
        try:
            interface = import_string(spec.interface_path)
        except ImportError as exc:
            self.stderr.write(f"{spec.name}: cannot import its interface: {exc}")
            return "?"
        return ", ".join(interface.__operations__) or "-"

    # --- schema --------------------------------------------------------------------------------
    def schema(self, name: str) -> None:
        from modkit.schema import module_schema

        spec = registry.specs.get(name)
        if spec is None:
            known = ", ".join(sorted(registry.specs)) or "none"
            raise CommandError(f"no module {name!r} (the modules: {known})")
        try:
            document = module_schema(spec)
        except (EventsNotImportable, ImportError, NameError, TypeError) as exc:
            raise CommandError(f"{name}: its schema cannot be built: {exc}") from exc
        self.stdout.write(json.dumps(document, indent=2, sort_keys=False))

    # --- graph ---------------------------------------------------------------------------------
    def graph(self, fmt: str) -> None:
        names = sorted(registry.specs)
        specs = registry.specs.values()
        callers = interface_callers(specs, boundaries.Layout.current().modules_package)
        edges = module_edges(specs, subscriptions(), callers)
        render = render_dot if fmt == "dot" else render_mermaid
        self.stdout.write(render(names, edges), ending="")

    # --- importlinter.ini ----------------------------------------------------------------------
    def importlinter(self, *, write: bool) -> None:
        layout = boundaries.Layout.current()
        text = expected_importlinter(layout)
        if not write:
            self.stdout.write(text, ending="")
            return
        layout.ini_path.write_text(text, encoding="utf-8")
        self.stdout.write(
            f"wrote {layout.relative(layout.ini_path)} for {len(registry.specs)} modules"
        )

    # --- check ---------------------------------------------------------------------------------
    def check_boundaries(self) -> None:
        layout = boundaries.Layout.current()
        shown_ini = layout.relative(layout.ini_path)
        messages = [m for m in run_checks(tags=[TAG]) if not m.is_silenced()]
        for message in messages:
            self.stderr.write(str(message))
        violations = sum(1 for m in messages if m.is_serious())
        modules = len(registry.specs)
        self.stdout.write(f"system checks ({TAG}): {violations} error(s) in {modules} modules")

        try:
            results = boundaries.lint_imports(layout.ini_path)
        except boundaries.LinterCouldNotRun as exc:
            self.stderr.write(f"import-linter could not check {shown_ini}: {exc}")
            violations += 1
            results = []
        for result in results:
            if not result.kept:
                self.stderr.write(
                    f"import-linter: broken contract '{result.name}':\n"
                    + textwrap.indent(result.detail, "    ")
                )
                violations += 1
        kept = sum(1 for r in results if r.kept)
        broken = len(results) - kept
        self.stdout.write(f"import contracts ({shown_ini}): {kept} kept, {broken} broken")

        if violations:
            self.stderr.write(f"modules check: {violations} violation(s)")
            raise SystemExit(1)
        self.stdout.write(
            f"modules check: no violations ({modules} modules, {kept} import contracts kept, "
            f"system checks tagged {TAG} passed)"
        )
