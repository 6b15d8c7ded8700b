"""A module's own database (``DATABASE_URL_<MODULE>``): modkit.db.ModuleRouter."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from modkit.db import ModuleRouter, module_alias

ROOT = Path(__file__).resolve().parents[2]


def instance(app_label: str) -> Any:
    """Something shaped like a model (instance or class) of ``app_label``, for the router."""
    return SimpleNamespace(_meta=SimpleNamespace(app_label=app_label))


@pytest.fixture
def inventory_database(settings: Any) -> None:
    settings.MODKIT_DATABASES = {"inventory": "inventory"}


def test_a_module_without_its_own_database_uses_the_default(inventory_database: None) -> None:
    router = ModuleRouter()
    assert module_alias("catalog") is None
    assert router.db_for_read(instance("catalog")) is None
    assert router.db_for_write(instance("catalog")) is None
    assert router.allow_migrate("default", "catalog") is None


def test_a_module_with_its_own_database_reads_writes_and_migrates_there(
    inventory_database: None,
) -> None:
    router = ModuleRouter()
    assert router.db_for_read(instance("inventory")) == "inventory"
    assert router.db_for_write(instance("inventory")) == "inventory"
    assert router.allow_migrate("inventory", "inventory") is True
    assert router.allow_migrate("default", "inventory") is False


def test_nothing_else_migrates_into_a_module_database(inventory_database: None) -> None:
    router = ModuleRouter()
    for app_label in ("auth", "contenttypes", "catalog"):
        assert router.allow_migrate("inventory", app_label) is False


def test_the_kernel_tables_migrate_into_every_database(inventory_database: None) -> None:
    router = ModuleRouter()  # the outbox and inbox live beside each module's data
    assert router.allow_migrate("inventory", "modkit") is True
    assert router.allow_migrate("default", "modkit") is True


def test_relations_only_within_one_database(inventory_database: None) -> None:
    router = ModuleRouter()
    assert router.allow_relation(instance("catalog"), instance("auth")) is True
    assert router.allow_relation(instance("inventory"), instance("inventory")) is True
    assert router.allow_relation(instance("inventory"), instance("catalog")) is False


def tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as connection:
        rows = connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
        return {name for (name,) in rows}


def test_migrate_puts_a_module_tables_only_in_its_own_database(tmp_path: Path) -> None:
    default, own = tmp_path / "default.sqlite3", tmp_path / "inventory.sqlite3"
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MODKIT_", "DATABASE_URL", "DJANGO_SETTINGS"))
    }
    env |= {
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "MODKIT_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{default}",
        "DATABASE_URL_INVENTORY": f"sqlite:///{own}",
    }
    for database in ("default", "inventory"):
        result = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--database", database, "--no-input"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stdout + result.stderr

    in_default, in_own = tables(default), tables(own)
    inventory_tables = {t for t in in_own if t.startswith("inventory_")}
    assert inventory_tables, in_own
    assert not {t for t in in_default if t.startswith("inventory_")}
    kernel_tables = {t for t in in_own if t.startswith("modkit_")}
    assert kernel_tables == {"modkit_outboxevent", "modkit_delivery", "modkit_inboxentry"}
    assert in_own - inventory_tables - kernel_tables == {"django_migrations"}
    assert {"auth_user", "django_content_type"} <= in_default
    assert any(t.startswith("catalog_") for t in in_default)
