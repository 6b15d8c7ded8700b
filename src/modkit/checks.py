"""System checks enforcing the module boundaries (tag ``modkit``; ids ``modkit.E001``...).

They run with every ``manage.py`` command, and ``manage.py modules check`` runs them together
with import-linter. Each message names what is wrong and, in its hint, the fix:

=============  ==================================================================================
modkit.E001    a ForeignKey/OneToOne/ManyToMany (or M2M ``through``) from one module's model to
               another's, resolved or by string
modkit.E002    an import of another module that is not in ``depends_on`` (file:line)
modkit.E003    an import of another module's private file (file:line)
modkit.E004    a public file (interface, contracts, events) importing a private file of its module
modkit.E005    ``depends_on`` naming an unknown module, or the module itself
modkit.E006    ``importlinter.ini`` missing or unreadable
modkit.E007    ``importlinter.ini`` out of sync with the declared ``depends_on``
modkit.E008    an interface or implementation that cannot be imported, or that do not match
modkit.E009    an operation whose argument or result types the wire codec cannot carry
modkit.E010    a used module neither hosted here nor given a remote URL
modkit.E011    a ``@subscribe`` to another module's event without that module in ``depends_on``
               (receivers.py:line)
modkit.E012    a ``@subscribe`` that does not resolve to an event declared in the publisher's
               ``events.py`` (receivers.py:line)
=============  ==================================================================================
"""

from __future__ import annotations

import configparser
import importlib
from collections.abc import Iterable, Sequence
from typing import Any

from django.apps import AppConfig, apps
from django.core.checks import CheckMessage, Error, Tags, register
from django.utils.module_loading import import_string

from . import boundaries
from .boundaries import REGENERATE, Layout
from .events.subscriptions import scan_receivers
from .events.types import Event
from .interfaces import verify_implementation
from .modules import ModuleSpec, registry

TAG = "modkit"


def _specs(app_configs: Sequence[AppConfig] | None) -> list[ModuleSpec]:
    """The modules to check: all of them, or those among ``app_configs`` (``check <label>``)."""
    specs = registry.specs
    if app_configs is None:
        return [specs[name] for name in sorted(specs)]
    labels = {config.label for config in app_configs}
    return [specs[name] for name in sorted(specs) if name in labels]


@register(Tags.models, TAG)
def check_cross_module_relations(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """modkit.E001: no relation field from one module's model to another module's model."""
    if app_configs is None:
        return relation_errors(apps.get_models())
    return relation_errors(m for config in app_configs for m in config.get_models())


def relation_errors(models: Iterable[type]) -> list[CheckMessage]:
    """modkit.E001 for each cross-module relation among ``models``."""
    return [
        Error(
            f"{rel.field_label} is a {rel.via} from module '{rel.module}' to {rel.target} "
            f"of module '{rel.other}': modules must not share relations",
            hint=(
                f"reference it by id (a plain field, e.g. {rel.field.name}_id) and read it "
                f"through {registry.specs[rel.other].package}.interface"
            ),
            obj=rel.field,
            id="modkit.E001",
        )
        for rel in boundaries.cross_module_relations(models, set(registry.specs))
    ]


@register(TAG)
def check_module_imports(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """modkit.E002-E004: imports between modules only of declared dependencies' public files."""
    layout = Layout.current()
    names_by_package = {spec.package: spec.name for spec in registry.specs.values()}
    errors: list[CheckMessage] = []
    for spec in _specs(app_configs):
        found = boundaries.module_imports(
            spec.package, boundaries.package_directory(spec.package), layout.modules_package
        )
        for problem in boundaries.import_problems(
            spec.name,
            spec.package,
            spec.depends_on,
            found,
            layout.modules_package,
            names_by_package,
        ):
            errors.append(_import_error(problem, spec, layout))
    return errors


def _import_error(problem: boundaries.ImportProblem, spec: ModuleSpec, layout: Layout) -> Error:
    found = problem.found
    where = f"{layout.relative(found.path)}:{found.line}"
    other = problem.other
    if problem.kind == "undeclared":
        if other in registry.specs:
            msg = (
                f"imports {found.target}, but module '{spec.name}' does not declare "
                f"'{other}' in depends_on"
            )
            hint = f"add '{other}' to depends_on in {spec.package}.apps, then run {REGENERATE}"
        else:
            msg = f"imports {found.target}, but there is no module '{other}'"
            hint = f"remove the import (the modules are: {', '.join(sorted(registry.specs))})"
        return Error(msg, hint=hint, obj=where, id="modkit.E002")
    other_package = problem.other_package
    if problem.kind == "private":
        return Error(
            f"imports {found.target}, which is private to module '{other}'",
            hint=(
                f"from another module import only {other_package}.interface, "
                f"{other_package}.contracts or {other_package}.events"
            ),
            obj=where,
            id="modkit.E003",
        )
    return Error(
        f"the public file {found.importer} imports {found.target}, a private file "
        f"of its own module",
        hint=(
            "interface.py, contracts.py and events.py may import only each other, the kernel "
            "and other modules' public files; move what they need into contracts.py"
        ),
        obj=where,
        id="modkit.E004",
    )


@register(TAG)
def check_module_declarations(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """modkit.E005, E008, E009: depends_on, interface vs implementation, codec-carried types."""
    errors: list[CheckMessage] = []
    for spec in _specs(app_configs):
        errors += _dependency_errors(spec)
        if not spec.interface_path:
            continue  # a module offering no calls (it may only consume events)
        interface = _import(spec, "interface", errors)
        if interface is None:
            continue
        if getattr(interface, "module", None) != spec.name:
            errors.append(
                Error(
                    f"{spec.interface_path} declares module = "
                    f"{getattr(interface, 'module', None)!r}, but it is the interface of "
                    f"module '{spec.name}'",
                    hint=f"set module = {spec.name!r} on {interface.__qualname__}",
                    obj=spec.package,
                    id="modkit.E008",
                )
            )
        errors += _codec_errors(spec, interface)
        # An implementation imports its models, which only a hosting process may load.
        if registry.is_hosted(spec.name):
            implementation = _import(spec, "implementation", errors)
            if implementation is not None:
                errors += [
                    Error(
                        problem,
                        hint=(
                            "implement every operation of the interface with the same "
                            "keyword-only parameters, and make other methods private (_name)"
                        ),
                        obj=spec.package,
                        id="modkit.E008",
                    )
                    for problem in verify_implementation(interface, implementation)
                ]
    return errors


def _dependency_errors(spec: ModuleSpec) -> list[CheckMessage]:
    known = registry.specs
    return [
        Error(
            f"module '{spec.name}' declares depends_on '{dep}', "
            + ("which is the module itself" if dep == spec.name else "which is not a module"),
            hint=(
                f"fix depends_on in {spec.package}.apps (the modules are: "
                f"{', '.join(sorted(known))})"
            ),
            obj=spec.package,
            id="modkit.E005",
        )
        for dep in spec.depends_on
        if dep == spec.name or dep not in known
    ]


def _import(spec: ModuleSpec, what: str, errors: list[CheckMessage]) -> Any:
    path = spec.interface_path if what == "interface" else spec.implementation_path
    if not path:
        errors.append(
            Error(
                f"module '{spec.name}' declares an interface but no {what}",
                hint=f"set {what} = '<dotted path>' on its ModuleConfig in {spec.package}.apps",
                obj=spec.package,
                id="modkit.E008",
            )
        )
        return None
    try:
        return import_string(path)
    except ImportError as exc:
        errors.append(
            Error(
                f"the {what} of module '{spec.name}', {path}, cannot be imported: {exc}",
                hint=f"fix {what} on its ModuleConfig in {spec.package}.apps",
                obj=spec.package,
                id="modkit.E008",
            )
        )
        return None


def _codec_errors(spec: ModuleSpec, interface: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    for op in getattr(interface, "__operations__", {}).values():
        try:
            op.codec.build()
            uncarried = boundaries.uncarried_types(op.codec.args_type, op.codec.result_type)
        except (TypeError, NameError) as exc:
            problem = str(exc)
        else:
            if not uncarried:
                continue
            problem = "no wire encoding for " + ", ".join(uncarried)
        errors.append(
            Error(
                f"operation {op.qualname}{op.signature} has a type the wire codec cannot "
                f"carry: {problem}",
                hint=(
                    "use builtins, UUID, datetime, Decimal, enums and frozen msgspec Structs "
                    f"from {spec.package}.contracts (never models or querysets)"
                ),
                obj=spec.package,
                id="modkit.E009",
            )
        )
    return errors


def expected_importlinter(layout: Layout) -> str:
    """The importlinter.ini the registry's modules and their depends_on imply."""
    specs = registry.specs
    return boundaries.render_importlinter(
        {name: spec.depends_on for name, spec in specs.items()},
        layout,
        packages={name: spec.package for name, spec in specs.items()},
    )


@register(TAG)
def check_importlinter_config(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """modkit.E006, E007: importlinter.ini exists and is what the modules' depends_on imply."""
    layout = Layout.current()
    path = layout.ini_path
    shown = layout.relative(path)
    expected = expected_importlinter(layout)
    try:
        drift = boundaries.importlinter_drift(expected, path.read_text(encoding="utf-8"))
    except (OSError, configparser.Error) as exc:
        return [
            Error(
                f"{shown} cannot be read, so the import contracts are not checked: {exc}",
                hint=f"run {REGENERATE}",
                obj=shown,
                id="modkit.E006",
            )
        ]
    return [
        Error(
            f"{shown} is out of sync with the modules' depends_on: {line}",
            hint=f"run {REGENERATE}",
            obj=shown,
            id="modkit.E007",
        )
        for line in drift
    ]


@register(TAG)
def check_configuration(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """modkit.E010: every module a hosted module uses is hosted here or has a remote URL.

    ``modkit.conf.load`` refuses to start without that; this re-states it for
    ``manage.py modules check`` and for settings changed after start (tests).
    """
    hosted, remotes = set(registry.hosted), registry.remotes
    return [
        Error(
            f"module '{name}' uses '{dep}', which is neither hosted here nor remote",
            hint=(f"add '{dep}' to MODKIT_MODULES or set MODKIT_REMOTE_{dep.upper()}=<base url>"),
            obj=registry.specs[name].package,
            id="modkit.E010",
        )
        for name in sorted(hosted & set(registry.specs))
        for dep in registry.specs[name].depends_on
        if dep in registry.specs and dep not in hosted and dep not in remotes
    ]


class EventsNotImportable(Exception):
    """A module's ``events.py`` exists but raised when imported."""


def published_events(spec: ModuleSpec) -> list[type[Event]]:
    """The events module ``spec`` declares in its ``events.py``, by name (none without one).

    ``events.py`` is public and imports no models, so this works for every module, hosted here
    or not. Raises ``EventsNotImportable`` if the file fails to import.
    """
    name = f"{spec.package}.events"
    try:
        events = importlib.import_module(name)
    except Exception as exc:  # whatever a broken file raises, the check must report, not crash
        if isinstance(exc, ModuleNotFoundError) and exc.name == name:
            return []
        raise EventsNotImportable(f"{name} cannot be imported: {exc}") from exc
    found = [
        value
        for value in vars(events).values()
        if isinstance(value, type) and issubclass(value, Event) and value.__module__ == name
    ]
    return sorted(found, key=lambda cls: cls.event_name)


@register(TAG)
def check_subscriptions(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """modkit.E011, E012: subscriptions resolve to declared events of declared dependencies."""
    layout = Layout.current()
    errors: list[CheckMessage] = []
    published: dict[str, list[str]] = {}
    for spec in registry.specs.values():
        try:
            published[spec.name] = [e.event_name for e in published_events(spec)]
        except EventsNotImportable as exc:
            published[spec.name] = []
            errors.append(
                Error(
                    str(exc),
                    hint="fix it: events.py may import only the kernel and public files",
                    obj=spec.package,
                    id="modkit.E012",
                )
            )
    for spec in _specs(app_configs):
        path = boundaries.package_directory(spec.package) / "receivers.py"
        if not path.exists():
            continue
        where = layout.relative(path)
        try:
            subscribed = scan_receivers(path, layout.modules_package, spec.package)
            lines = boundaries.subscribe_lines(path)
        except SyntaxError:
            continue  # Python (and ruff) report it, with a better message than a check could
        except ValueError as exc:
            errors.append(
                Error(
                    str(exc).replace(str(path), where),
                    hint="pass @subscribe the event class itself",
                    obj=where,
                    id="modkit.E012",
                )
            )
            continue
        for problem in boundaries.subscription_problems(
            spec.name, spec.depends_on, subscribed, published
        ):
            line = lines.get(problem.function, 1)
            declared = published.get(problem.publisher, [])
            errors.append(_subscription_error(problem, spec, f"{where}:{line}", declared))
    return errors


def _subscription_error(
    problem: boundaries.SubscriptionProblem,
    spec: ModuleSpec,
    where: str,
    declared: Sequence[str],
) -> Error:
    handler = f"{spec.name}.{problem.function}"
    if problem.kind == "undeclared":
        return Error(
            f"{handler} handles {problem.event}, but module '{spec.name}' does not declare "
            f"'{problem.publisher}' in depends_on",
            hint=(
                f"add '{problem.publisher}' to depends_on in {spec.package}.apps, then run "
                f"{REGENERATE}"
            ),
            obj=where,
            id="modkit.E011",
        )
    if problem.kind == "unknown-module":
        return Error(
            f"{handler} handles {problem.event}, but there is no module '{problem.publisher}'",
            hint=f"the modules are: {', '.join(sorted(registry.specs))}",
            obj=where,
            id="modkit.E012",
        )
    package = registry.specs[problem.publisher].package
    return Error(
        f"{handler} handles {problem.event}, which {package}.events does not declare",
        hint=(
            "subscribe to one of its events: " + ", ".join(declared)
            if declared
            else f"module '{problem.publisher}' publishes no events"
        ),
        obj=where,
        id="modkit.E012",
    )
