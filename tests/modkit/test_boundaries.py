"""The import rules (modkit.boundaries and importlinter.ini), checked by planting violations.

The import-linter tests run ``lint-imports`` on a temporary copy of the project (kernel,
config, modules, importlinter.ini, manage.py) to which the fake modules of
``tests/modkit/fake_modules`` are added (``ledger``; ``billing`` depends on ``ledger``;
``audit``), with the copy first on ``PYTHONPATH`` so it shadows the installed ``modkit``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from textwrap import dedent

import pytest

from modkit import boundaries, checks
from modkit.boundaries import Layout

ROOT = Path(__file__).resolve().parents[2]
FAKE_MODULES = Path(__file__).resolve().parent / "fake_modules"
FAKES = ("audit", "billing", "ledger")
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
INDEPENDENCE = boundaries.INDEPENDENCE_CONTRACT_NAME
LAYERS = boundaries.LAYERS_CONTRACT_NAME
KERNEL = boundaries.KERNEL_CONTRACT_NAME


# --- a copy of the project ---------------------------------------------------------------------
def tree_env(tree: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MODKIT_", "DATABASE_URL_", "DJANGO_SETTINGS", "PYTHONPATH"))
    }
    return env | {
        "PYTHONPATH": f"{tree}{os.pathsep}{tree / 'src'}",
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "MODKIT_MODULES": ",".join(FAKES),
        "MODKIT_VAR_DIR": str(tree / "var"),
        "COLUMNS": "200",  # lint-imports (rich) wraps long chains at the terminal width
    }


def run(tree: Path, *command: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(c) for c in command],
        cwd=tree,
        env=tree_env(tree),
        capture_output=True,
        text=True,
        timeout=300,
    )


def lint(tree: Path) -> subprocess.CompletedProcess[str]:
    return run(tree, LINT_IMPORTS, "importlinter.ini", "--no-cache")


def copy_project(destination: Path) -> Path:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("config", "modules"):
        shutil.copytree(ROOT / name, destination / name, ignore=ignore)
    shutil.copytree(ROOT / "src" / "modkit", destination / "src" / "modkit", ignore=ignore)
    for name in ("manage.py", "importlinter.ini"):
        shutil.copy2(ROOT / name, destination / name)
    for name in FAKES:
        shutil.copytree(FAKE_MODULES / name, destination / "modules" / name, ignore=ignore)
    return destination


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The copy with the fake modules added and importlinter.ini regenerated for them."""
    tree = copy_project(tmp_path_factory.mktemp("project"))
    result = run(tree, sys.executable, "manage.py", "modules", "importlinter", "--write")
    assert result.returncode == 0, result.stderr
    assert (
        "modules.billing.** -> modules.ledger.interface" in (tree / "importlinter.ini").read_text()
    )
    return tree


@pytest.fixture
def tree(pristine: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(pristine, tmp_path / "project"))


class Plant:
    """Add a line to a file of the tree (creating it if needed), and take it out again."""

    def __init__(self, tree: Path, relative: str, line: str):
        self.path = tree / relative
        self.original = self.path.read_text() if self.path.exists() else None
        self.line = line

    def __enter__(self) -> Plant:
        self.path.write_text((self.original or "") + self.line + "\n")
        return self

    def __exit__(self, *exc: object) -> None:
        if self.original is None:
            self.path.unlink()
        else:
            self.path.write_text(self.original)


def test_the_copy_shadows_the_installed_packages(pristine: Path) -> None:
    result = run(
        pristine,
        sys.executable,
        "-c",
        "import modkit, modules, config; print(modkit.__file__, modules.__file__, config.__file__)",
    )
    assert result.returncode == 0, result.stderr
    paths = [Path(p) for p in result.stdout.split()]
    assert all(p.is_relative_to(pristine) for p in paths), paths


def test_the_copy_with_the_fake_modules_passes(tree: Path) -> None:
    result = lint(tree)
    assert result.returncode == 0, result.stdout
    for contract in (KERNEL, INDEPENDENCE, LAYERS):
        assert f"{contract} KEPT" in result.stdout


# --- each kind of violation, planted -----------------------------------------------------------
VIOLATIONS = {
    "another module's private file, though declared": (
        "modules/billing/services.py",
        "from modules.ledger import models",
        INDEPENDENCE,
        "modules.billing.services -> modules.ledger.models",
    ),
    "a real module's private file": (
        "modules/catalog/planted.py",
        "from modules.inventory import models",
        INDEPENDENCE,
        "modules.catalog.planted -> modules.inventory.models",
    ),
    "another module's interface, undeclared": (
        "modules/ledger/services.py",
        "from modules.audit.interface import audit",
        INDEPENDENCE,
        "modules.ledger.services -> modules.audit.interface",
    ),
    "another module's package": (
        "modules/audit/impl.py",
        "from modules import ledger",
        INDEPENDENCE,
        "modules.audit.impl -> modules.ledger",
    ),
    "a lower layer importing a higher one": (
        "modules/ledger/models.py",
        "from modules.ledger import services",
        LAYERS,
        "modules.ledger.models -> modules.ledger.services",
    ),
    "a public file importing a private one": (
        "modules/ledger/contracts.py",
        "from . import selectors",
        LAYERS,
        "modules.ledger.contracts -> modules.ledger.selectors",
    ),
    "the kernel importing a module": (
        "src/modkit/planted.py",
        "import modules.ledger.interface",
        KERNEL,
        "modkit.planted -> modules.ledger.interface",
    ),
    "the kernel importing the project": (
        "src/modkit/planted.py",
        "from config import celery",
        KERNEL,
        "modkit.planted -> config.celery",
    ),
}


@pytest.mark.parametrize(
    ("relative", "line", "contract", "chain"), list(VIOLATIONS.values()), ids=list(VIOLATIONS)
)
def test_lint_imports_names_a_planted_violation(
    tree: Path, relative: str, line: str, contract: str, chain: str
) -> None:
    with Plant(tree, relative, line):
        result = lint(tree)
        assert result.returncode != 0
        assert f"{contract} BROKEN" in result.stdout
        assert chain in result.stdout

    result = lint(tree)
    assert result.returncode == 0, result.stdout


def test_a_chain_through_an_allowed_import_is_not_a_dependency_violation(tree: Path) -> None:
    # billing.impl -> ledger.interface is allowed (declared, public). If ledger.interface then
    # imports ledger.models, that is ledger's layer violation, not billing reaching ledger's
    # private file: the ignored edge really cuts the chain.
    with Plant(tree, "modules/ledger/interface.py", "from . import models"):
        result = lint(tree)
    assert f"{INDEPENDENCE} KEPT" in result.stdout
    assert f"{LAYERS} BROKEN" in result.stdout
    assert "modules.ledger.interface -> modules.ledger.models" in result.stdout
    assert "modules.billing" not in result.stdout


def test_an_allowed_import_does_not_open_a_path_for_others(tree: Path) -> None:
    # audit -> billing.interface (undeclared) must be reported; billing.interface's own allowed
    # import of ledger.contracts must not make audit's path to ledger look legitimate or hide it.
    with Plant(tree, "modules/audit/impl.py", "from modules.billing.interface import billing"):
        result = lint(tree)
    assert f"{INDEPENDENCE} BROKEN" in result.stdout
    assert "modules.audit is not allowed to import modules.billing" in result.stdout
    assert "modules.audit.impl -> modules.billing.interface" in result.stdout


# --- importlinter.ini --------------------------------------------------------------------------
LAYOUT = Layout(modules_package="modules", project_package="config", root=ROOT)


def test_the_repository_importlinter_ini_is_the_generated_one() -> None:
    expected = checks.expected_importlinter(Layout.current())
    assert (ROOT / "importlinter.ini").read_text() == expected


def test_render_uses_each_module_package() -> None:
    text = boundaries.render_importlinter(
        {"shop": ("stock",), "stock": ()}, LAYOUT, packages={"stock": "modules.warehouse"}
    )
    assert "    modules.shop.** -> modules.warehouse.interface\n" in text
    assert "containers =\n    modules.shop\n    modules.warehouse\n" in text


def test_render_allows_exactly_the_public_files_of_declared_dependencies() -> None:
    text = boundaries.render_importlinter(
        {"orders": ("catalog", "inventory", "nope", "orders"), "catalog": (), "inventory": ()},
        LAYOUT,
    )
    ignore = text.split("ignore_imports =\n")[1].split("\nunmatched")[0].split("\n")
    assert [line.strip() for line in ignore] == [
        "modules.orders.** -> modules.catalog.interface",
        "modules.orders.** -> modules.catalog.contracts",
        "modules.orders.** -> modules.catalog.events",
        "modules.orders.** -> modules.inventory.interface",
        "modules.orders.** -> modules.inventory.contracts",
        "modules.orders.** -> modules.inventory.events",
    ]
    assert "modules =\n    modules.catalog\n    modules.inventory\n    modules.orders\n" in text
    assert "containers =\n    modules.catalog\n    modules.inventory\n    modules.orders\n" in text
    assert "unmatched_ignore_imports_alerting = none" in text


def test_render_without_dependencies_has_no_ignore_imports() -> None:
    text = boundaries.render_importlinter({"catalog": (), "inventory": ()}, LAYOUT)
    assert "ignore_imports =" not in text


def test_render_lists_the_layers_top_down_all_optional() -> None:
    text = boundaries.render_importlinter({"catalog": ()}, LAYOUT)
    assert text.split("layers =\n")[1].splitlines() == [
        "    (http) | (admin) | (receivers) | (tasks) | (seed)",
        "    (impl)",
        "    (services)",
        "    (selectors)",
        "    (models)",
        "    (interface) | (events)",
        "    (contracts)",
    ]


def test_drift_ignores_order_comments_and_spacing() -> None:
    expected = boundaries.render_importlinter({"a": ("b", "c"), "b": (), "c": ()}, LAYOUT)
    shuffled = expected.replace(
        "    modules.a.** -> modules.b.interface\n    modules.a.** -> modules.b.contracts\n",
        "    modules.a.** -> modules.b.contracts\n\n    modules.a.** -> modules.b.interface\n",
    )
    assert shuffled != expected
    assert boundaries.importlinter_drift(expected, "# mine\n" + shuffled) == []


def test_drift_names_missing_and_extra_lines() -> None:
    expected = boundaries.render_importlinter({"a": ("b",), "b": (), "c": ()}, LAYOUT)
    actual = boundaries.render_importlinter({"a": ("c",), "b": (), "c": ()}, LAYOUT)
    section = "[importlinter:contract:modules-independent]"
    assert boundaries.importlinter_drift(expected, actual) == [
        f"{section} ignore_imports: missing 'modules.a.** -> modules.b.interface', "
        "'modules.a.** -> modules.b.contracts', 'modules.a.** -> modules.b.events'; "
        "extra 'modules.a.** -> modules.c.interface', 'modules.a.** -> modules.c.contracts', "
        "'modules.a.** -> modules.c.events'"
    ]


def test_drift_names_a_changed_layer_list_and_a_changed_value() -> None:
    expected = boundaries.render_importlinter({"a": ()}, LAYOUT)
    actual = expected.replace(
        "    (services)\n    (selectors)\n", "    (selectors)\n    (services)\n"
    )
    actual = actual.replace(
        "unmatched_ignore_imports_alerting = none", "unmatched_ignore_imports_alerting = warn"
    )
    drift = boundaries.importlinter_drift(expected, actual)
    assert len(drift) == 2
    assert drift[0].startswith("[importlinter:contract:modules-independent] unmatched")
    assert "should be 'none', not 'warn'" in drift[0]
    assert drift[1].startswith("[importlinter:contract:module-layers] layers should be")


def test_drift_names_a_missing_section() -> None:
    expected = boundaries.render_importlinter({"a": ()}, LAYOUT)
    actual = expected.split("[importlinter:contract:module-layers]")[0]
    assert boundaries.importlinter_drift(expected, actual) == [
        "[importlinter:contract:module-layers] is missing"
    ]


# --- running import-linter in-process ----------------------------------------------------------
def test_lint_imports_in_process_keeps_every_contract_of_the_repository() -> None:
    results = boundaries.lint_imports(ROOT / "importlinter.ini")
    assert {r.name: r.kept for r in results} == {KERNEL: True, INDEPENDENCE: True, LAYERS: True}


def test_lint_imports_in_process_reports_a_linter_that_cannot_run(tmp_path: Path) -> None:
    ini = tmp_path / "importlinter.ini"
    ini.write_text(
        dedent(
            """\
            [importlinter]
            root_packages =
                modules

            [importlinter:contract:x]
            name = x
            type = independence
            modules =
                modules.catalog
                modules.warehouse
            """
        )
    )
    with pytest.raises(boundaries.LinterCouldNotRun, match=r"modules\.warehouse"):
        boundaries.lint_imports(ini)
    ini.write_text(ini.read_text() + "exhaustiv = true\n")
    with pytest.raises(boundaries.LinterCouldNotRun, match="exhaustiv"):
        boundaries.lint_imports(ini)


# --- the static import scan --------------------------------------------------------------------
@pytest.fixture
def package(tmp_path: Path) -> Path:
    directory = tmp_path / "mods" / "shop"
    (directory / "http").mkdir(parents=True)
    return directory


def scan(directory: Path) -> list[tuple[str, int, str]]:
    return [
        (f.importer, f.line, f.target)
        for f in boundaries.module_imports("mods.shop", directory, "mods")
    ]


def test_scan_resolves_absolute_relative_and_nested_imports(package: Path) -> None:
    (package / "__init__.py").write_text("")
    (package / "impl.py").write_text(
        dedent(
            """\
            import os
            from django.db import transaction
            from . import models, selectors
            from .services import thing
            import mods.billing.interface as billing
            from mods import audit
            from mods.ledger.interface import ledger
            from typing import TYPE_CHECKING
            if TYPE_CHECKING:
                from mods.ledger.contracts import Entry
            def later():
                from ..ledger import impl
            """
        )
    )
    (package / "http" / "__init__.py").write_text("from . import views\n")
    (package / "http" / "views.py").write_text("from .. import services\nfrom ..impl import x\n")
    assert scan(package) == [
        ("mods.shop.http", 1, "mods.shop.http"),  # own module: the file (http) is what counts
        ("mods.shop.http.views", 1, "mods.shop.services"),
        ("mods.shop.http.views", 2, "mods.shop.impl"),
        ("mods.shop.impl", 3, "mods.shop.models"),
        ("mods.shop.impl", 3, "mods.shop.selectors"),
        ("mods.shop.impl", 4, "mods.shop.services"),
        ("mods.shop.impl", 5, "mods.billing.interface"),
        ("mods.shop.impl", 6, "mods.audit"),
        ("mods.shop.impl", 7, "mods.ledger.interface"),
        ("mods.shop.impl", 10, "mods.ledger.contracts"),
        ("mods.shop.impl", 12, "mods.ledger.impl"),
    ]


def test_import_problems_classify_each_import(package: Path) -> None:
    (package / "interface.py").write_text("from . import contracts\nfrom .models import Shop\n")
    (package / "services.py").write_text(
        dedent(
            """\
            from mods.ledger.interface import ledger
            from mods.ledger.models import Account
            from mods.audit.interface import audit
            from . import models
            """
        )
    )
    problems = boundaries.import_problems(
        "shop",
        "mods.shop",
        ("ledger",),
        boundaries.module_imports("mods.shop", package, "mods"),
        "mods",
        {"mods.shop": "shop", "mods.ledger": "ledger", "mods.audit": "audit"},
    )
    assert [(p.kind, p.found.importer, p.found.line, p.other) for p in problems] == [
        ("public-imports-private", "mods.shop.interface", 2, "shop"),
        ("private", "mods.shop.services", 2, "ledger"),
        ("undeclared", "mods.shop.services", 3, "audit"),
    ]
