"""Database routing: a module's models and migrations go to its own database when it has one."""

from __future__ import annotations

from typing import Any

from django.conf import settings

KERNEL_APP = "modkit"


def module_alias(app_label: str) -> str | None:
    """The database alias of a module with its own database (``DATABASE_URL_<MODULE>``)."""
    return settings.MODKIT_DATABASES.get(app_label)


def database_of(module: str) -> str:
    """The alias of the database holding ``module``'s tables (and its outbox and inbox)."""
    return settings.MODKIT_DATABASES.get(module) or "default"


def module_databases(hosted: tuple[str, ...]) -> list[str]:
    """Every alias holding a hosted module's data: where relays look for outboxes."""
    return sorted({database_of(name) for name in hosted})


class ModuleRouter:
    """Routes reads, writes and migrations of each module with a database of its own."""

    def db_for_read(self, model: type, **hints: Any) -> str | None:
        return module_alias(model._meta.app_label)

    db_for_write = db_for_read

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        a = module_alias(obj1._meta.app_label) or "default"
        b = module_alias(obj2._meta.app_label) or "default"
        return a == b

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        if app_label == KERNEL_APP:
            return True  # outbox, deliveries and inbox live beside every module's data
        alias = module_alias(app_label)
        if alias is not None:
            return db == alias
        if db in settings.MODKIT_DATABASES.values():
            return False
        return None
