"""Module declarations (``ModuleConfig``) and the registry of modules.

Each module's ``apps.py`` declares a :class:`ModuleConfig`. The declaration is read both when
the module is installed here (hosted) and when it is not (its ``apps.py`` is imported, never its
models), so every process knows every module, its dependencies and where it lives.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from .errors import ConfigurationError, ModuleUnavailable


class ModuleConfig(AppConfig):
    """The ``AppConfig`` of a business module.

    Class attributes a module sets:
      ``interface``       dotted path of its :class:`~modkit.interfaces.Interface` subclass
      ``implementation``  dotted path of the local implementation class
      ``depends_on``      modules whose interface it calls or whose events it consumes
      ``queue``           its Celery queue (defaults to the module's label)
      ``periodic_tasks``  beat entries: ``{name: {"task": ..., "schedule": seconds}}``
      ``seed``            dotted path of a ``seed(*, stdout)`` function for demo data
    """

    default_auto_field = "django.db.models.BigAutoField"
    interface: ClassVar[str] = ""
    implementation: ClassVar[str] = ""
    depends_on: ClassVar[tuple[str, ...]] = ()
    queue: ClassVar[str | None] = None
    periodic_tasks: ClassVar[dict[str, dict[str, Any]]] = {}
    seed: ClassVar[str | None] = None

    def ready(self) -> None:
        from .interfaces import verify_implementation

        if self.interface and self.implementation:
            problems = verify_implementation(
                import_string(self.interface), import_string(self.implementation)
            )
            if problems:
                raise ImproperlyConfigured("; ".join(problems))


@dataclass(frozen=True)
class ModuleSpec:
    """What every process knows about a module, hosted here or not."""

    name: str
    app: str
    config: type[ModuleConfig]
    depends_on: tuple[str, ...]
    queue: str
    package: str

    @property
    def interface_path(self) -> str:
        return self.config.interface

    @property
    def implementation_path(self) -> str:
        return self.config.implementation


def discover(package: str = "modules") -> dict[str, ModuleSpec]:
    """Every module under ``package`` (each a sub-package with an ``apps.py``), by name."""
    pkg = importlib.import_module(package)
    specs: dict[str, ModuleSpec] = {}
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
        if not info.ispkg:
            continue
        dotted = f"{package}.{info.name}"
        try:
            apps_module = importlib.import_module(f"{dotted}.apps")
        except ModuleNotFoundError as exc:
            if exc.name == f"{dotted}.apps":
                continue
            raise
        configs = [
            v
            for v in vars(apps_module).values()
            if isinstance(v, type)
            and issubclass(v, ModuleConfig)
            and v is not ModuleConfig
            and v.__module__ == apps_module.__name__
        ]
        if len(configs) != 1:
            raise ConfigurationError(
                f"{dotted}.apps must declare exactly one ModuleConfig subclass "
                f"(found {len(configs)})"
            )
        cfg = configs[0]
        name = getattr(cfg, "label", None) or info.name
        specs[name] = ModuleSpec(
            name=name,
            app=f"{dotted}.apps.{cfg.__name__}",
            config=cfg,
            depends_on=tuple(cfg.depends_on),
            queue=cfg.queue or name,
            package=dotted,
        )
    return specs


def topological(specs: dict[str, ModuleSpec]) -> list[str]:
    """Module names with dependencies before their dependents where possible (ties by name).

    ``depends_on`` may form cycles: a saga has events flowing both ways between two modules
    (orders publishes ``OrderPaid`` to shipping, shipping publishes ``ShipmentShipped`` back).
    A cycle is broken at the edge the depth-first walk meets last, deterministically.
    """
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(name: str) -> None:
        if state.get(name):
            return
        state[name] = 1
        for dep in sorted(specs[name].depends_on):
            if dep in specs:
                visit(dep)
        state[name] = 2
        order.append(name)

    for name in sorted(specs):
        visit(name)
    return order


@dataclass(eq=False)
class Registry:
    """Which modules exist, which this process hosts, and how to reach each operation."""

    _overrides: dict[str, Any] = field(default_factory=dict)

    @functools.cached_property
    def specs(self) -> dict[str, ModuleSpec]:
        from django.conf import settings

        return discover(getattr(settings, "MODKIT_MODULES_PACKAGE", "modules"))

    @property
    def hosted(self) -> tuple[str, ...]:
        from django.conf import settings

        return tuple(settings.MODKIT_HOSTED)

    @property
    def remotes(self) -> dict[str, str]:
        from django.conf import settings

        return dict(settings.MODKIT_REMOTES)

    @property
    def transport(self) -> str:
        from django.conf import settings

        return settings.MODKIT_TRANSPORT

    def is_hosted(self, name: str) -> bool:
        return name in self.hosted

    @functools.cache  # noqa: B019 - one registry per process; cleared by reset()
    def implementation(self, name: str) -> Any:
        spec = self.specs[name]
        return import_string(spec.implementation_path)()

    def target(self, interface: Any, operation: str) -> Callable[..., Any]:
        """The callable a delegate binds for ``interface.operation``."""
        name = interface.module
        if name in self._overrides:
            return getattr(self._overrides[name], operation)
        if not self.is_hosted(name):
            return _unavailable(
                interface.__operations__[operation].qualname, self.remotes.get(name)
            )
        method = getattr(self.implementation(name), operation)
        if self.transport == "loopback":
            return _loopback(interface.__operations__[operation].codec, method)
        return method

    def swap(self, name: str, fake: Any) -> None:
        self._overrides[name] = fake
        self.reset(keep_overrides=True)

    def unswap(self, name: str) -> None:
        self._overrides.pop(name, None)
        self.reset(keep_overrides=True)

    def reset(self, *, keep_overrides: bool = False) -> None:
        from .interfaces import reset_delegates

        if not keep_overrides:
            self._overrides.clear()
        self.__dict__.pop("specs", None)
        self.implementation.cache_clear()
        reset_delegates()

    def ordered(self, names: Iterable[str] | None = None) -> list[ModuleSpec]:
        wanted = set(names) if names is not None else set(self.specs)
        return [self.specs[n] for n in topological(self.specs) if n in wanted]


def _loopback(codec: Any, method: Callable[..., Any]) -> Callable[..., Any]:
    from .errors import DomainError

    def call(**kwargs: Any) -> Any:
        wire_args = codec.encode_args(kwargs)
        try:
            result = method(**codec.decode_args(wire_args))
        except DomainError as exc:
            raise codec.decode_error(codec.encode_error(exc)) from None
        return codec.decode_result(codec.encode_result(result))

    call.__name__ = codec.qualname
    return call


def _unavailable(qualname: str, url: str | None) -> Callable[..., Any]:
    def call(**kwargs: Any) -> Any:
        raise ModuleUnavailable(
            f"{qualname}: the module is not hosted by this process"
            + (
                f" (remote at {url}: the HTTP transport is not enabled in this build)"
                if url
                else ""
            )
        )

    return call


registry = Registry()
