"""The module boundary rules, and the code that finds where they are broken.

Four rules keep modules extractable (ARCHITECTURE.md, "A module"):

- **Imports.** From another module, import only its public files (``interface``, ``contracts``,
  ``events``), and only if it is in your ``depends_on``. Inside a module, imports go down the
  layers; the public files import nothing private. The kernel imports no module and not the
  project. import-linter enforces all of that from ``importlinter.ini``, which
  :func:`render_importlinter` generates from the declared ``depends_on`` (so the file and the
  declarations cannot disagree unnoticed: :func:`importlinter_drift`). :func:`import_problems`
  re-states the cross-module part as an AST scan so that ``manage.py check`` names the file,
  the line and the fix without running the linter.
- **Relations.** No ForeignKey, OneToOne or ManyToMany from one module's model to another's,
  not even by a string reference (which is not an import, so only a model check can see it):
  :func:`cross_module_relations`.
- **Contracts.** Checked in :mod:`modkit.checks` with
  :func:`modkit.interfaces.verify_implementation` and the wire codec.
- **Subscriptions.** A module handling another module's event lists it in ``depends_on``, and
  every ``@subscribe`` names an event its publisher's ``events.py`` declares:
  :func:`subscription_problems`.

Nothing here imports a module or the project: everything is read from the registry's specs,
from files on disk, or from the models Django has loaded.
"""

from __future__ import annotations

import ast
import configparser
import contextlib
import importlib.util
import io
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

KERNEL_PACKAGE = __name__.partition(".")[0]
PUBLIC_FILES = ("interface", "contracts", "events")
# Inside a module, from the top: a layer may import the layers below it, never those above.
# Siblings joined by "|" must not import each other. Every layer is optional (parenthesised in
# the ini), so a module without, say, receivers is fine; files outside this list are not
# constrained by the layers contract (the cross-module rules still apply to them).
LAYERS: tuple[tuple[str, ...], ...] = (
    ("http", "admin", "receivers", "tasks", "seed"),
    ("impl",),
    ("services",),
    ("selectors",),
    ("models",),
    ("interface", "events"),
    ("contracts",),
)
INI_NAME = "importlinter.ini"
REGENERATE = "python manage.py modules importlinter --write"
KERNEL_CONTRACT = "kernel-imports-no-module"
INDEPENDENCE_CONTRACT = "modules-independent"
LAYERS_CONTRACT = "module-layers"
# Short enough for one line of lint-imports' report at 80 columns.
KERNEL_CONTRACT_NAME = "The kernel imports no module and not the project"
INDEPENDENCE_CONTRACT_NAME = "Modules import only the public files of declared dependencies"
LAYERS_CONTRACT_NAME = "Module layers import downwards; public files import nothing private"


# --- where things are --------------------------------------------------------------------------
@dataclass(frozen=True)
class Layout:
    """The packages the import contracts cover, and the directory holding ``importlinter.ini``."""

    modules_package: str
    project_package: str
    root: Path

    @classmethod
    def current(cls) -> Layout:
        """The layout of the running project (the modules package's parent is the root)."""
        from django.conf import settings

        modules_package = getattr(settings, "MODKIT_MODULES_PACKAGE", "modules")
        # The project is the package of the URLconf: a settings module may live elsewhere
        # (a test's or a benchmark's settings importing the project's).
        return cls(
            modules_package=modules_package,
            project_package=settings.ROOT_URLCONF.partition(".")[0],
            root=package_directory(modules_package).parent,
        )

    @property
    def ini_path(self) -> Path:
        return self.root / INI_NAME

    def relative(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)


def package_directory(package: str) -> Path:
    """The directory of a package, found without importing it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise LookupError(f"{package} is not a package")
    return Path(next(iter(spec.submodule_search_locations)))


# --- importlinter.ini --------------------------------------------------------------------------
def render_importlinter(
    depends_on: Mapping[str, Sequence[str]],
    layout: Layout,
    packages: Mapping[str, str] | None = None,
) -> str:
    """The whole ``importlinter.ini`` implied by the modules and their ``depends_on``.

    ``packages`` maps a module name to its package when that is not ``<modules>.<name>``.
    """
    pkg = layout.modules_package
    names = sorted(depends_on)
    where = {name: f"{pkg}.{name}" for name in names} | dict(packages or {})
    allowed = [
        f"{where[name]}.** -> {where[dep]}.{public}"
        for name in names
        for dep in sorted(set(depends_on[name]))
        if dep in depends_on and dep != name
        for public in PUBLIC_FILES
    ]
    sections: list[tuple[str, list[tuple[str, str | list[str]]]]] = [
        (
            "importlinter",
            [("root_packages", [KERNEL_PACKAGE, pkg, layout.project_package])],
        ),
        (
            f"importlinter:contract:{KERNEL_CONTRACT}",
            [
                ("name", KERNEL_CONTRACT_NAME),
                ("type", "forbidden"),
                ("source_modules", [KERNEL_PACKAGE]),
                ("forbidden_modules", [pkg, layout.project_package]),
            ],
        ),
        (
            f"importlinter:contract:{INDEPENDENCE_CONTRACT}",
            [
                ("name", INDEPENDENCE_CONTRACT_NAME),
                ("type", "independence"),
                ("modules", [where[name] for name in names]),
                *([("ignore_imports", allowed)] if allowed else []),
                # A dependency without events.py (yet) must not make the contract fail.
                ("unmatched_ignore_imports_alerting", "none"),
            ],
        ),
        (
            f"importlinter:contract:{LAYERS_CONTRACT}",
            [
                ("name", LAYERS_CONTRACT_NAME),
                ("type", "layers"),
                ("containers", [where[name] for name in names]),
                ("layers", [" | ".join(f"({tail})" for tail in layer) for layer in LAYERS]),
            ],
        ),
    ]
    out = [
        "# The import contracts of the modules, checked by `lint-imports importlinter.ini` and by",
        "# `python manage.py modules check` (see docs/boundaries.md).",
        "#",
        "# Generated from each module's depends_on (modules/<name>/apps.py): do not edit by hand.",
        "# After changing a depends_on or adding a module, run",
        f"#     {REGENERATE}",
        "# (until then manage.py check, migrate, runserver... stop with modkit.E007).",
    ]
    for section, options in sections:
        out += ["", f"[{section}]"]
        for key, value in options:
            if isinstance(value, str):
                out.append(f"{key} = {value}")
            else:
                out += [f"{key} =", *(f"    {item}" for item in value)]
    return "\n".join(out) + "\n"


def importlinter_drift(expected: str, actual: str) -> list[str]:
    """How ``actual`` differs from ``expected``: one line per section or option that differs.

    Multi-line options are compared line by line (as sets, except the ordered ``layers``), so
    the message names exactly the lines to add or remove. Raises ``configparser.Error`` if
    ``actual`` is not an ini file.
    """
    want, have = _parse_ini(expected), _parse_ini(actual)
    drift = [f"[{s}] is missing" for s in want if s not in have]
    drift += [f"[{s}] is not generated (remove it)" for s in have if s not in want]
    for section in (s for s in want if s in have):
        for key in sorted(set(want[section]) | set(have[section])):
            w, h = want[section].get(key), have[section].get(key)
            if w == h or (key != "layers" and w and h and set(w) == set(h)):
                continue
            if w is None:
                drift.append(f"[{section}] {key} is not generated (remove it): {_show(h)}")
            elif h is None:
                drift.append(f"[{section}] {key} is missing: {_show(w)}")
            elif key == "layers" or len(w) == len(h) == 1:
                drift.append(f"[{section}] {key} should be {_show(w)}, not {_show(h)}")
            else:
                missing = [line for line in w if line not in h]
                extra = [line for line in h if line not in w]
                parts = [f"missing {_show(missing)}"] if missing else []
                parts += [f"extra {_show(extra)}"] if extra else []
                drift.append(f"[{section}] {key}: " + "; ".join(parts))
    return drift


def _parse_ini(text: str) -> dict[str, dict[str, list[str]]]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(text)
    return {
        section: {
            key: [line.strip() for line in value.strip().splitlines() if line.strip()]
            for key, value in parser[section].items()
        }
        for section in parser.sections()
    }


def _show(lines: Sequence[str]) -> str:
    return ", ".join(f"'{line}'" for line in lines) or "nothing"


# --- running import-linter ---------------------------------------------------------------------
@dataclass(frozen=True)
class ContractResult:
    """One import contract after a linter run; ``detail`` is the linter's account of a break."""

    name: str
    kept: bool
    detail: str = ""


class LinterCouldNotRun(Exception):
    """import-linter could not check the contracts (bad config, a module missing, ...)."""


def lint_imports(config: Path) -> list[ContractResult]:
    """Run import-linter in-process on ``config``: the result of every contract in it.

    The same check as ``lint-imports <config>``, with each broken contract's chains as text.
    import-linter documents no Python API for this, so it is driven through its application
    layer here, in one place (``import-linter<3`` is pinned; the tests run it on planted
    violations, so a change in that layer fails loudly rather than checking nothing).
    """
    import importlinter.api  # noqa: F401  (configures import-linter's adapters)
    from importlinter.application import use_cases
    from importlinter.application.output import console
    from rich.text import Text

    try:
        options = use_cases.read_user_options(str(config))
        use_cases._register_built_in_contract_types()
        # Progress spinners go to rich's global console (stdout) and the report's prose to
        # import-linter's console: swallow both, the results are read from the report.
        with contextlib.redirect_stdout(io.StringIO()), console.capture():
            report = use_cases.create_report(options, cache_dir=None)
    except Exception as exc:  # anything the linter raises means it checked nothing
        raise LinterCouldNotRun(f"{type(exc).__name__}: {exc}") from exc
    if report.invalid_contract_options:
        raise LinterCouldNotRun(
            "; ".join(
                f"contract {name!r}: {exc.errors}"
                for name, exc in report.invalid_contract_options.items()
            )
        )
    results = []
    for contract, check in report.get_contracts_and_checks():
        detail = ""
        if not check.kept:
            with console.capture() as captured:
                contract.render_broken_contract(check)
            detail = Text.from_ansi(captured.get()).plain.strip()
        results.append(ContractResult(contract.name, check.kept, detail))
    return results


# --- imports, statically -----------------------------------------------------------------------
@dataclass(frozen=True)
class FoundImport:
    """An import, in a module's file, of something in the modules package."""

    path: Path
    line: int
    importer: str  # the importing Python module, e.g. "modules.orders.impl"
    target: str  # what it imports, e.g. "modules.catalog.interface"


@dataclass(frozen=True)
class ImportProblem:
    """An import that breaks a boundary rule.

    ``kind`` is ``undeclared`` (the other module is not in ``depends_on``), ``private`` (a
    private file of another module) or ``public-imports-private`` (a public file importing a
    private file of its own module).
    """

    kind: str
    found: FoundImport
    module: str
    other: str
    other_package: str


def module_imports(package: str, directory: Path, modules_package: str) -> Iterator[FoundImport]:
    """Every import of ``modules_package`` (or below) in the ``.py`` files under ``directory``.

    ``package`` is the dotted name of ``directory``. Relative imports are resolved; both
    ``import a.b`` and ``from a import b`` are seen, wherever they are (inside functions and
    ``if TYPE_CHECKING:`` blocks too, as import-linter sees them). Imports by string
    (``import_module("...")``) are not.
    """
    for path in sorted(directory.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        parts = [*package.split("."), *path.relative_to(directory).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
            current_package = parts
        else:
            current_package = parts[:-1]
        importer = ".".join(parts)
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        except SyntaxError:
            continue  # Python (and ruff) report it, with a better message than a check could
        for node in ast.walk(tree):
            for target in _targets(node, current_package, modules_package):
                if target == modules_package or target.startswith(modules_package + "."):
                    yield FoundImport(path, node.lineno, importer, target)


def _targets(node: ast.AST, current_package: list[str], modules_package: str) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    if node.level:
        base = current_package[: len(current_package) - (node.level - 1)]
        source = ".".join([*base, *([node.module] if node.module else [])])
    else:
        source = node.module or ""
    # `from modules import catalog` and `from modules.catalog import interface` import
    # submodules; deeper (`from modules.catalog.interface import catalog`) they import names.
    depth = _relative_parts(source, modules_package)
    if depth is not None and len(depth) <= 1:
        return [f"{source}.{alias.name}" for alias in node.names if alias.name != "*"] or [source]
    return [source]


def _relative_parts(dotted: str, package: str) -> list[str] | None:
    """``dotted`` below ``package`` as a list of parts (``[]`` for the package itself)."""
    if dotted == package:
        return []
    if dotted.startswith(package + "."):
        return dotted[len(package) + 1 :].split(".")
    return None


def import_problems(
    name: str,
    package: str,
    depends_on: Collection[str],
    imports: Iterable[FoundImport],
    modules_package: str,
    names_by_package: Mapping[str, str],
) -> Iterator[ImportProblem]:
    """The imports of module ``name`` (at ``package``) that break the import rules.

    ``names_by_package`` maps each module's package (``modules.catalog``) to its name.
    """
    public = {f"{package}.{file}" for file in PUBLIC_FILES}
    for found in imports:
        parts = _relative_parts(found.target, modules_package)
        if not parts:
            continue  # the modules package itself
        other_package = f"{modules_package}.{parts[0]}"
        other = names_by_package.get(other_package, parts[0])
        file = parts[1] if len(parts) > 1 else None
        if other_package == package:
            if found.importer in public and file is not None and file not in PUBLIC_FILES:
                yield ImportProblem("public-imports-private", found, name, other, other_package)
            continue
        if other not in depends_on:
            yield ImportProblem("undeclared", found, name, other, other_package)
        if file not in PUBLIC_FILES:
            yield ImportProblem("private", found, name, other, other_package)


# --- event subscriptions -----------------------------------------------------------------------
@dataclass(frozen=True)
class SubscriptionProblem:
    """A ``@subscribe`` in a module's ``receivers.py`` that breaks a rule.

    ``kind`` is ``undeclared`` (the publisher is not in the subscriber's ``depends_on``),
    ``unknown-module`` (no module publishes under that name) or ``unknown-event`` (the
    publisher's ``events.py`` declares no such event).
    """

    kind: str
    module: str  # the subscriber
    event: str  # the event as the receivers name it, "orders.OrderPlaced"
    publisher: str
    function: str  # the handler's name in receivers.py


def subscription_problems(
    name: str,
    depends_on: Collection[str],
    subscribed: Iterable[tuple[str, str]],
    published: Mapping[str, Collection[str]],
) -> Iterator[SubscriptionProblem]:
    """The subscriptions of module ``name`` that break the rules.

    ``subscribed`` holds ``(event name, function)`` pairs as read from its receivers
    (:func:`modkit.events.subscriptions.scan_receivers`); ``published`` maps every module to the
    names of the events its ``events.py`` declares. An event's name starts with its publisher's
    module (``orders.OrderPlaced``). Subscribing to its own events needs no ``depends_on``.
    """
    for event, function in subscribed:
        publisher = event.partition(".")[0]
        if publisher not in published:
            yield SubscriptionProblem("unknown-module", name, event, publisher, function)
            continue
        if publisher != name and publisher not in depends_on:
            yield SubscriptionProblem("undeclared", name, event, publisher, function)
        if event not in published[publisher]:
            yield SubscriptionProblem("unknown-event", name, event, publisher, function)


def subscribe_lines(path: Path) -> dict[str, int]:
    """The line of each handler's ``@subscribe`` decorator in a ``receivers.py``, by function."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    lines: dict[str, int] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for deco in node.decorator_list:
            func = deco.func if isinstance(deco, ast.Call) else deco
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called == "subscribe":
                lines.setdefault(node.name, deco.lineno)
    return lines


# --- contract types ----------------------------------------------------------------------------
def uncarried_types(args_type: Any, result_type: Any) -> list[str]:
    """Where an operation's types hold a class the wire codec has no encoding for.

    msgspec accepts any class in an annotation, expecting encode/decode hooks that the modkit
    codec deliberately does not install; such a type (a model, a plain class) would fail only
    when a call is made. Each entry reads ``"<field path> (<class>)"``, the path starting at
    an argument name or at ``return``.
    """
    import msgspec
    import msgspec.inspect as mi

    found: list[str] = []

    def visit(node: Any, where: str, seen: frozenset[type]) -> None:
        if isinstance(node, mi.CustomType):
            found.append(f"{where} ({node.cls.__module__}.{node.cls.__qualname__})")
        elif isinstance(node, mi.StructType):
            if node.cls not in seen:
                for f in node.fields:
                    visit(f.type, f"{where}.{f.name}" if where else f.name, seen | {node.cls})
        elif isinstance(node, msgspec.Struct):  # containers, unions, metadata: look inside
            for name in node.__struct_fields__:
                value = getattr(node, name)
                for item in value if isinstance(value, tuple) else (value,):
                    if isinstance(item, mi.Type):
                        visit(item, where, seen)

    args_info, result_info = mi.multi_type_info([args_type, result_type])
    visit(args_info, "", frozenset())
    visit(result_info, "return", frozenset())
    return found


# --- model relations ---------------------------------------------------------------------------
@dataclass(frozen=True)
class CrossModuleRelation:
    """A relation field of one module's model that points into another module."""

    field: Any  # django.db.models.Field
    module: str
    target: str  # "catalog.Product": the related (or through) model's label
    other: str
    via: str  # "ForeignKey", "ManyToManyField", "ManyToManyField through", ...

    @property
    def field_label(self) -> str:
        return f"{self.field.model._meta.label}.{self.field.name}"


def cross_module_relations(
    models: Iterable[type], modules: Collection[str]
) -> Iterator[CrossModuleRelation]:
    """Relation fields from a model of one module (app label in ``modules``) to another's.

    String references are resolved by their app label, so ``ForeignKey("catalog.Product")``
    counts even when ``catalog`` is not installed in this process. Relations to apps that are
    not modules (``auth``, ``contenttypes``, ...) and within a module are fine.
    """
    for model in models:
        meta = model._meta
        if meta.app_label not in modules or meta.auto_created:
            continue
        for field in [*meta.local_fields, *meta.local_many_to_many]:
            remote = getattr(field, "remote_field", None)
            if remote is None:
                continue
            kind = type(field).__name__
            targets = [(kind, remote.model)]
            through = getattr(remote, "through", None)
            if through is not None and not _is_auto_created(through):
                targets.append((f"{kind} through", through))
            for via, target in targets:
                label = _model_label(target, meta.app_label)
                other = label.partition(".")[0]
                if other in modules and other != meta.app_label:
                    yield CrossModuleRelation(field, meta.app_label, label, other, via)


def _model_label(target: Any, own_app: str) -> str:
    if isinstance(target, str):
        if target == "self":
            return f"{own_app}.self"
        return target if "." in target else f"{own_app}.{target}"
    return target._meta.label


def _is_auto_created(model: Any) -> bool:
    return not isinstance(model, str) and bool(model._meta.auto_created)
