"""Module interfaces and their delegates.

A module's ``interface.py`` declares an :class:`Interface` subclass of typed, keyword-only
operations and a module-level delegate::

    class InventoryService(Interface):
        module = "inventory"

        @operation(idempotent=True)
        def get_stock(self, *, sku: str) -> StockLevel:
            \"\"\"The stock level of one sku. Raises UnknownSku.\"\"\"

    inventory = delegate(InventoryService)

Callers use ``inventory.get_stock(sku="A-1")``; the registry decides whether that is a direct
call, a loopback round-trip through the wire codec, or (for a module hosted elsewhere) a
remote call. The first call of each operation resolves the target and caches it on the
delegate, so a local call costs one attribute lookup more than calling the implementation.
"""

from __future__ import annotations

import inspect
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from .codec import OperationCodec

F = TypeVar("F", bound=Callable[..., Any])


def operation(*, idempotent: bool = False) -> Callable[[F], F]:
    """Mark an interface operation's properties (``idempotent``: safe to retry)."""

    def mark(func: F) -> F:
        func.__modkit_idempotent__ = idempotent  # type: ignore[attr-defined]
        return func

    return mark


@dataclass(frozen=True)
class Operation:
    name: str
    qualname: str
    signature: inspect.Signature
    idempotent: bool
    codec: OperationCodec
    doc: str


class Interface:
    """Base of every module interface. Subclasses set ``module`` and declare operations.

    Implementations subclass the interface and override every operation with the same
    parameters; :func:`verify_implementation` checks that at start-up.
    """

    module: ClassVar[str]
    __operations__: ClassVar[dict[str, Operation]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "module" not in cls.__dict__:
            return  # an implementation, not an interface
        package = cls.__module__.rpartition(".")[0]
        ops: dict[str, Operation] = {}
        for name, func in cls.__dict__.items():
            if name.startswith("_") or not inspect.isfunction(func):
                continue
            sig = inspect.signature(func)
            for pname, param in list(sig.parameters.items())[1:]:
                if param.kind is not inspect.Parameter.KEYWORD_ONLY:
                    raise TypeError(
                        f"{cls.__qualname__}.{name}: parameter {pname!r} must be keyword-only "
                        "(declare operations as `def op(self, *, ...)`)"
                    )
            qualname = f"{cls.module}.{name}"
            ops[name] = Operation(
                name=name,
                qualname=qualname,
                signature=sig,
                idempotent=getattr(func, "__modkit_idempotent__", False),
                codec=OperationCodec(qualname, package, func),
                doc=inspect.getdoc(func) or "",
            )
        cls.__operations__ = ops


def verify_implementation(interface: type[Interface], implementation: type) -> list[str]:
    """Problems with ``implementation`` as an implementation of ``interface`` (empty if none)."""
    problems = []
    where = f"{implementation.__module__}.{implementation.__qualname__}"
    if not issubclass(implementation, interface):
        problems.append(f"{where} must subclass {interface.__qualname__}")
    for name, op in interface.__operations__.items():
        impl = getattr(implementation, name, None)
        if impl is None or getattr(interface, name) is impl:
            problems.append(f"{where} does not implement operation {name!r}")
            continue
        want = [(p.name, p.kind) for p in op.signature.parameters.values()]
        got = [(p.name, p.kind) for p in inspect.signature(impl).parameters.values()]
        if want != got:
            problems.append(
                f"{where}.{name}{inspect.signature(impl)} does not match the interface "
                f"{interface.__qualname__}.{name}{op.signature}"
            )
    extra = {
        n
        for n, v in vars(implementation).items()
        if not n.startswith("_") and inspect.isfunction(v) and n not in interface.__operations__
    }
    problems.extend(
        f"{where}.{n} is public but not an operation of {interface.__qualname__} "
        "(make it private or declare it)"
        for n in sorted(extra)
    )
    return problems


_delegates: weakref.WeakSet[Delegate] = weakref.WeakSet()


class Delegate:
    """The module-level entry point to a module's interface (see the module docstring)."""

    def __init__(self, interface: type[Interface]):
        self.__dict__["_interface"] = interface
        _delegates.add(self)

    def __getattr__(self, name: str) -> Callable[..., Any]:
        interface = self.__dict__["_interface"]
        if name not in interface.__operations__:
            raise AttributeError(f"{interface.__qualname__} has no operation {name!r}")
        from .modules import registry

        target = registry.target(interface, name)
        self.__dict__[name] = target
        return target

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("delegates are read-only; use modkit.testing.swap() in tests")

    def __dir__(self) -> list[str]:
        return sorted(self.__dict__["_interface"].__operations__)

    def __repr__(self) -> str:
        return f"<delegate {self.__dict__['_interface'].module}>"

    def _reset(self) -> None:
        for name in self.__dict__["_interface"].__operations__:
            self.__dict__.pop(name, None)


def delegate(interface: type[Interface]) -> Any:
    """The module-level delegate for ``interface`` (typed as the interface for callers)."""
    return Delegate(interface)


def reset_delegates() -> None:
    """Forget every resolved target (after a configuration change or a swap)."""
    for d in list(_delegates):
        d._reset()
