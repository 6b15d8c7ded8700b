"""Subscriptions: ``@subscribe(Event)`` in a module's ``receivers.py``.

A handler is keyed ``<module>.<function>`` (``shipping.create_shipment``). Who subscribes to what
is read from every module's ``receivers.py`` without importing it (an AST scan), because a
publisher must record a delivery for a subscriber that this process does not host: its
receivers import its models, which only its own process has. The decorator checks, when the
subscriber's process imports the file, that the scan and the code agree.
"""

from __future__ import annotations

import ast
import functools
import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from .types import Event

H = TypeVar("H", bound=Callable[[Any], None])

_HANDLERS: dict[str, tuple[str, Callable[[Any], None]]] = {}  # key -> (event name, function)


def subscribe(event: type[Event]) -> Callable[[H], H]:
    """Declare ``func(event)`` a handler of ``event`` for the module whose receivers hold it.

    The handler runs in a transaction on its module's database together with the inbox entry
    that makes it take effect once; it must not call other modules over the network inside it.
    Raising retries it with backoff, up to ``MODKIT_EVENTS_MAX_ATTEMPTS``; then it is parked as a
    dead letter.
    """
    if not (isinstance(event, type) and issubclass(event, Event)):
        raise TypeError(f"@subscribe needs an Event class, got {event!r}")

    def register(func: H) -> H:
        module = func.__module__.rpartition(".")[0].rpartition(".")[2]
        key = f"{module}.{func.__name__}"
        _HANDLERS[key] = (event.event_name, func)
        func.__modkit_handler__ = key  # type: ignore[attr-defined]
        return func

    return register


@dataclass(frozen=True)
class Subscription:
    event: str  # "orders.OrderPlaced"
    handler: str  # "shipping.create_shipment"
    module: str  # the subscriber, "shipping"
    queue: str
    function: str  # the function's name in receivers.py


def _absolute(node: ast.ImportFrom, package: str) -> str:
    if not node.level:
        return node.module or ""
    base = package.split(".")
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def scan_receivers(path: Path, modules_package: str, package: str) -> list[tuple[str, str]]:
    """``(event name, function name)`` for every ``@subscribe(X)`` in one ``receivers.py``.

    ``package`` is the dotted package holding that file (for relative imports).
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: dict[str, str] = {}  # local name -> "module.Event" or "module" (for module aliases)
    prefix = modules_package + "."
    for node in ast.walk(tree):
        source = _absolute(node, package) if isinstance(node, ast.ImportFrom) else ""
        if source.startswith(prefix):
            parts = source[len(prefix) :].split(".")
            for alias in node.names:
                local = alias.asname or alias.name
                if parts[1:] == ["events"]:
                    names[local] = f"{parts[0]}.{alias.name}"
                elif len(parts) == 1 and alias.name == "events":
                    names[local] = parts[0]
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef):
            continue
        for deco in node.decorator_list:
            if not (isinstance(deco, ast.Call) and deco.args):
                continue
            func = deco.func
            fname = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if fname != "subscribe":
                continue
            arg = deco.args[0]
            if isinstance(arg, ast.Name) and arg.id in names:
                found.append((names[arg.id], node.name))
            elif (
                isinstance(arg, ast.Attribute)
                and isinstance(arg.value, ast.Name)
                and arg.value.id in names
            ):
                found.append((f"{names[arg.value.id]}.{arg.attr}", node.name))
            else:
                raise ValueError(
                    f"{path}:{node.lineno}: @subscribe needs an event imported from another "
                    f"module's events (from {modules_package}.<module>.events import <Event>)"
                )
    return found


@functools.cache
def _subscriptions(modules_package: str) -> tuple[Subscription, ...]:
    from ..modules import registry

    subs = []
    for spec in registry.specs.values():
        origin = importlib.util.find_spec(spec.package)
        if origin is None or not origin.submodule_search_locations:
            continue
        path = Path(next(iter(origin.submodule_search_locations))) / "receivers.py"
        if not path.exists():
            continue
        for event, function in scan_receivers(path, modules_package, spec.package):
            subs.append(
                Subscription(event, f"{spec.name}.{function}", spec.name, spec.queue, function)
            )
    return tuple(sorted(subs, key=lambda s: (s.event, s.handler)))


def subscriptions() -> tuple[Subscription, ...]:
    """Every subscription of every module, hosted here or not."""
    from django.conf import settings

    return _subscriptions(getattr(settings, "MODKIT_MODULES_PACKAGE", "modules"))


def subscribers_of(event_name: str) -> list[Subscription]:
    return [s for s in subscriptions() if s.event == event_name]


def handler(key: str) -> Callable[[Any], None]:
    """The handler function for ``key``, importing its module's receivers if needed."""
    if key not in _HANDLERS:
        from ..modules import registry

        module = key.partition(".")[0]
        importlib.import_module(f"{registry.specs[module].package}.receivers")
    try:
        return _HANDLERS[key][1]
    except KeyError:
        raise LookupError(f"no handler {key!r}: is it decorated with @subscribe?") from None


def reset() -> None:
    _subscriptions.cache_clear()
