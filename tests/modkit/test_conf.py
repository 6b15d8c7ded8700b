"""Configuration from the environment (modkit.conf and the settings modules), CONTRACT §3.

The unit tests read the fake modules of ``tests/modkit/fake_modules`` (``billing`` depends on
``ledger``; ``audit`` stands alone); the subprocess tests start the real project.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from modkit.conf import load, parse_hosted
from modkit.errors import ConfigurationError

ROOT = Path(__file__).resolve().parents[2]
FAKE_MODULES = "tests.modkit.fake_modules"
KNOWN = {"audit": None, "billing": None, "ledger": None}
GOOD_PRODUCTION = {
    "SECRET_KEY": "k" * 24 + "-production-secret-key-0123456789",
    "ALLOWED_HOSTS": "shop.example.com",
    "MODKIT_RPC_SECRET": "r" * 40,
}


# --- MODKIT_MODULES ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "hosted"),
    [
        ("all", ("audit", "billing", "ledger")),
        ("ledger", ("ledger",)),
        (" billing , ledger ", ("billing", "ledger")),
        ("all,-billing", ("audit", "ledger")),
        ("all,-billing,-audit", ("ledger",)),
    ],
)
def test_parse_hosted(value: str, hosted: tuple[str, ...]) -> None:
    assert parse_hosted(value, KNOWN) == hosted


@pytest.mark.parametrize("value", ["nope", "all,-nope", "ledger,nope"])
def test_parse_hosted_refuses_an_unknown_module_and_names_the_choices(value: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        parse_hosted(value, KNOWN)
    assert "MODKIT_MODULES names unknown module 'nope'" in str(raised.value)
    assert "use 'all' or some of audit, billing, ledger" in str(raised.value)


def test_parse_hosted_refuses_an_empty_value() -> None:
    with pytest.raises(ConfigurationError, match="MODKIT_MODULES is empty: set it to 'all'"):
        parse_hosted(" , ", KNOWN)


# --- load --------------------------------------------------------------------------------------
def test_load_defaults_to_every_module_local_in_dependency_order() -> None:
    config = load({}, package=FAKE_MODULES)
    assert config.hosted == ("audit", "ledger", "billing")  # ledger before billing, which uses it
    assert config.remotes == {}
    assert config.transport == "local"
    assert config.databases == {}
    assert config.installed_apps == [
        f"{FAKE_MODULES}.audit.apps.AuditConfig",
        f"{FAKE_MODULES}.ledger.apps.LedgerConfig",
        f"{FAKE_MODULES}.billing.apps.BillingConfig",
    ]


def test_load_refuses_a_used_module_neither_hosted_nor_remote() -> None:
    with pytest.raises(ConfigurationError) as raised:
        load({"MODKIT_MODULES": "billing"}, package=FAKE_MODULES)
    assert str(raised.value) == (
        "module 'billing' uses 'ledger', which is neither hosted nor remote: add it to "
        "MODKIT_MODULES or set MODKIT_REMOTE_LEDGER=<base url>"
    )


def test_load_accepts_a_used_module_given_a_remote_url() -> None:
    config = load(
        {"MODKIT_MODULES": "all,-ledger", "MODKIT_REMOTE_LEDGER": "http://ledger:8001"},
        package=FAKE_MODULES,
    )
    assert config.hosted == ("audit", "billing")
    assert config.remotes == {"ledger": "http://ledger:8001"}


def test_load_refuses_a_remote_url_for_a_hosted_module() -> None:
    with pytest.raises(ConfigurationError) as raised:
        load({"MODKIT_REMOTE_LEDGER": "http://ledger:8001"}, package=FAKE_MODULES)
    assert "module 'ledger' is hosted here and also given MODKIT_REMOTE_LEDGER" in str(raised.value)
    assert "add '-ledger' to MODKIT_MODULES" in str(raised.value)


@pytest.mark.parametrize("variable", ["DATABASE_URL_WAREHOUSE", "MODKIT_REMOTE_WAREHOUSE"])
def test_load_refuses_a_variable_naming_an_unknown_module(variable: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        load({variable: "sqlite:///x.sqlite3"}, package=FAKE_MODULES)
    assert str(raised.value) == (
        f"{variable} names unknown module 'warehouse': known modules are audit, billing, ledger"
    )


def test_load_gives_a_module_its_own_database() -> None:
    config = load({"DATABASE_URL_LEDGER": "sqlite:///ledger.sqlite3"}, package=FAKE_MODULES)
    assert config.databases == {"ledger": "sqlite:///ledger.sqlite3"}


def test_load_refuses_an_unknown_transport() -> None:
    with pytest.raises(ConfigurationError) as raised:
        load({"MODKIT_TRANSPORT": "carrier-pigeon"}, package=FAKE_MODULES)
    assert str(raised.value) == (
        "MODKIT_TRANSPORT='carrier-pigeon' is not a transport: use one of local, loopback"
    )


@pytest.mark.parametrize("transport", ["local", "loopback"])
def test_load_accepts_each_transport(transport: str) -> None:
    assert load({"MODKIT_TRANSPORT": transport}, package=FAKE_MODULES).transport == transport


# --- starting the real project -----------------------------------------------------------------
def manage(*args: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Run ``manage.py`` in a clean environment: no MODKIT_*/DATABASE_URL_* from outside."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MODKIT_", "DATABASE_URL_", "DJANGO_"))
        and k not in {"SECRET_KEY", "DEBUG", "ALLOWED_HOSTS"}
    }
    clean |= {
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "MODKIT_VAR_DIR": str(tmp_path / "var"),
        **env,
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_start_with_an_unknown_module_fails_with_one_line(tmp_path: Path) -> None:
    result = manage("check", env={"MODKIT_MODULES": "nope"}, tmp_path=tmp_path)
    assert result.returncode != 0
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("modkit: configuration error: MODKIT_MODULES names unknown module")
    assert "'nope': use 'all' or some of" in lines[0]


PRODUCTION_REFUSALS = [
    ({"DEBUG": "true"}, "DEBUG is on in production: unset DEBUG or set DEBUG=false"),
    ({"SECRET_KEY": ""}, "SECRET_KEY is missing or insecure"),
    ({"SECRET_KEY": "short"}, "SECRET_KEY is missing or insecure"),
    ({"ALLOWED_HOSTS": "*"}, "ALLOWED_HOSTS is empty or '*'"),
    ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS is empty or '*'"),
    ({"MODKIT_RPC_SECRET": ""}, "MODKIT_RPC_SECRET is missing or insecure"),
]


@pytest.mark.parametrize(("override", "reason"), PRODUCTION_REFUSALS)
def test_production_settings_refuse_insecure_values_with_one_line(
    tmp_path: Path, override: dict[str, str], reason: str
) -> None:
    env = {**GOOD_PRODUCTION, "DJANGO_SETTINGS_MODULE": "config.settings.production", **override}
    env = {k: v for k, v in env.items() if v != ""}  # "" stands for "unset"
    result = manage("check", env=env, tmp_path=tmp_path)
    assert result.returncode != 0
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"modkit: configuration error: {reason}")


def test_production_settings_start_with_good_values(tmp_path: Path) -> None:
    env = {**GOOD_PRODUCTION, "DJANGO_SETTINGS_MODULE": "config.settings.production"}
    result = manage("check", env=env, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
