"""Turn the environment into modkit settings, failing with one clear line when inconsistent.

Used by the project's settings module: it decides which modules this process hosts
(``MODKIT_MODULES``), where the others live (``MODKIT_REMOTE_<MODULE>``), which database each
module uses (``DATABASE_URL_<MODULE>``) and the interface transport (``MODKIT_TRANSPORT``).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import ConfigurationError
from .modules import ModuleSpec, discover, topological

TRANSPORTS = ("local", "loopback")


@dataclass(frozen=True)
class ModkitConfig:
    modules: dict[str, ModuleSpec]
    hosted: tuple[str, ...]
    remotes: dict[str, str]
    transport: str
    databases: dict[str, str]  # module name -> database URL of its own

    @property
    def installed_apps(self) -> list[str]:
        return [self.modules[n].app for n in self.hosted]


def parse_hosted(value: str, known: Mapping[str, Any]) -> tuple[str, ...]:
    """``all``, ``a,b`` or ``all,-a`` → the hosted module names, in dependency order."""
    items = [i.strip() for i in value.split(",") if i.strip()]
    if not items:
        raise ConfigurationError(
            "MODKIT_MODULES is empty: set it to 'all', a comma list, or 'all,-name'"
        )
    chosen: set[str] = set()
    for item in items:
        name = item.lstrip("-")
        if name != "all" and name not in known:
            raise ConfigurationError(
                f"MODKIT_MODULES names unknown module {name!r}: use 'all' or some of "
                f"{', '.join(sorted(known))}"
            )
        if item == "all":
            chosen |= set(known)
        elif item.startswith("-"):
            chosen.discard(name)
        else:
            chosen.add(name)
    return tuple(n for n in sorted(known) if n in chosen)


def load(env: Mapping[str, str], package: str = "modules") -> ModkitConfig:
    """Read and cross-check the modkit part of the environment."""
    modules = discover(package)
    order = topological(modules)
    hosted_set = set(parse_hosted(env.get("MODKIT_MODULES", "all"), modules))
    hosted = tuple(n for n in order if n in hosted_set)

    remotes: dict[str, str] = {}
    databases: dict[str, str] = {}
    for key, value in env.items():
        for prefix, target in (("MODKIT_REMOTE_", remotes), ("DATABASE_URL_", databases)):
            if key.startswith(prefix) and value:
                name = key[len(prefix) :].lower()
                if name not in modules:
                    raise ConfigurationError(
                        f"{key} names unknown module {name!r}: known modules are "
                        f"{', '.join(sorted(modules))}"
                    )
                target[name] = value

    for name in sorted(remotes):
        if name in hosted_set:
            raise ConfigurationError(
                f"module {name!r} is hosted here and also given MODKIT_REMOTE_{name.upper()}: "
                f"unset one (or add '-{name}' to MODKIT_MODULES)"
            )
    for name in hosted:
        for dep in modules[name].depends_on:
            if dep not in modules:
                raise ConfigurationError(
                    f"module {name!r} depends on unknown module {dep!r}: fix depends_on in "
                    f"{modules[name].package}.apps"
                )
            if dep not in hosted_set and dep not in remotes:
                raise ConfigurationError(
                    f"module {name!r} uses {dep!r}, which is neither hosted nor remote: add it to "
                    f"MODKIT_MODULES or set MODKIT_REMOTE_{dep.upper()}=<base url>"
                )

    transport = env.get("MODKIT_TRANSPORT", "local")
    if transport not in TRANSPORTS:
        raise ConfigurationError(
            f"MODKIT_TRANSPORT={transport!r} is not a transport: use one of {', '.join(TRANSPORTS)}"
        )
    return ModkitConfig(modules, hosted, remotes, transport, databases)


def exit_on_configuration_error(exc: ConfigurationError) -> None:
    """Print the one-line reason and stop the process (for entry points)."""
    print(f"modkit: configuration error: {exc}", file=sys.stderr)
    raise SystemExit(2)
