"""The boundary system checks (modkit.checks): plant each violation, see it named, remove it.

Each test copies the fake modules (``ledger``; ``billing`` depends on ``ledger``; ``audit``)
into a fresh, uniquely named package under ``tmp_path`` and points the registry at it, so
planted files never touch the repository and every test imports its own copy.
"""

from __future__ import annotations

import shutil
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.db import models
from django.test.utils import isolate_apps

from modkit import boundaries, checks

FAKE_MODULES = Path(__file__).resolve().parent / "fake_modules"


@dataclass
class Planted:
    """A copy of the fake modules, importable as ``package``, with ``root`` as project root."""

    root: Path
    package: str

    def path(self, relative: str) -> Path:
        return self.root / self.package / relative

    def write(self, relative: str, text: str) -> None:
        self.path(relative).write_text(text.replace("PKG", self.package), encoding="utf-8")

    def append(self, relative: str, line: str) -> None:
        path = self.path(relative)
        path.write_text(path.read_text() + line.replace("PKG", self.package) + "\n")

    def write_ini(self, depends_on: dict[str, tuple[str, ...]] | None = None) -> None:
        layout = boundaries.Layout.current()
        if depends_on is None:
            text = checks.expected_importlinter(layout)
        else:
            text = boundaries.render_importlinter(depends_on, layout)
        layout.ini_path.write_text(text)


@pytest.fixture
def planted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: Any) -> Iterator[Planted]:
    package = f"planted_{uuid.uuid4().hex[:10]}"
    shutil.copytree(FAKE_MODULES, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.syspath_prepend(str(tmp_path))
    settings.MODKIT_MODULES_PACKAGE = package
    settings.MODKIT_HOSTED = ("audit", "ledger", "billing")
    settings.MODKIT_REMOTES = {}
    yield Planted(tmp_path, package)
    for name in [m for m in sys.modules if m == package or m.startswith(f"{package}.")]:
        del sys.modules[name]


def ids(messages: list[Any]) -> list[str]:
    return [m.id for m in messages]


def text(messages: list[Any]) -> str:
    return "\n".join(str(m) for m in messages)


# --- the clean fake modules pass every check ---------------------------------------------------
def test_clean_modules_pass_every_check(planted: Planted) -> None:
    planted.write_ini()
    assert checks.check_module_imports() == []
    assert checks.check_module_declarations() == []
    assert checks.check_importlinter_config() == []
    assert checks.check_configuration() == []


# --- E002: an import of a module that is not in depends_on -------------------------------------
@pytest.mark.parametrize(
    ("line", "target"),
    [
        ("from PKG.audit.interface import audit", "PKG.audit.interface"),
        ("import PKG.audit.interface", "PKG.audit.interface"),
        ("from PKG.audit import interface", "PKG.audit.interface"),
        ("from ..audit import interface", "PKG.audit.interface"),
        ("from ..audit.contracts import *", "PKG.audit.contracts"),
    ],
)
def test_undeclared_dependency_is_named_with_file_line_and_fix(
    planted: Planted, line: str, target: str
) -> None:
    planted.write("ledger/services.py", f'"""Ledger writes."""\n\n{line}\n')
    errors = checks.check_module_imports()
    assert ids(errors) == ["modkit.E002"]
    target = target.replace("PKG", planted.package)
    assert errors[0].obj == f"{planted.package}/ledger/services.py:3"
    assert errors[0].msg == (
        f"imports {target}, but module 'ledger' does not declare 'audit' in depends_on"
    )
    assert errors[0].hint == (
        f"add 'audit' to depends_on in {planted.package}.ledger.apps, then run "
        "python manage.py modules importlinter --write"
    )

    planted.write("ledger/services.py", '"""Ledger writes."""\n')
    assert checks.check_module_imports() == []


def test_importing_another_module_package_is_undeclared_and_private(planted: Planted) -> None:
    planted.write("ledger/services.py", "def later():\n    from PKG import audit\n")
    errors = checks.check_module_imports()
    assert ids(errors) == ["modkit.E002", "modkit.E003"]
    assert errors[0].obj == f"{planted.package}/ledger/services.py:2"
    assert errors[0].msg.startswith(f"imports {planted.package}.audit,")


def test_import_of_a_module_that_does_not_exist_says_so(planted: Planted) -> None:
    planted.write("ledger/services.py", "from PKG.warehouse.interface import warehouse\n")
    [error] = checks.check_module_imports()
    assert error.id == "modkit.E002"
    assert "but there is no module 'warehouse'" in error.msg
    assert "the modules are: audit, billing, ledger" in error.hint


# --- E003: another module's private file -------------------------------------------------------
@pytest.mark.parametrize(
    "line",
    [
        "from ..ledger import models",
        "from PKG.ledger.services import thing",
        "import PKG.ledger.impl",
    ],
)
def test_private_file_of_a_declared_dependency_is_named(planted: Planted, line: str) -> None:
    planted.write("billing/services.py", f"{line}\n")
    [error] = checks.check_module_imports()
    assert error.id == "modkit.E003"
    pkg = planted.package
    assert error.obj == f"{pkg}/billing/services.py:1"
    assert error.msg.startswith(f"imports {pkg}.ledger.")
    assert error.msg.endswith("which is private to module 'ledger'")
    assert error.hint == (
        f"from another module import only {pkg}.ledger.interface, {pkg}.ledger.contracts or "
        f"{pkg}.ledger.events"
    )

    planted.write("billing/services.py", "from ..ledger.contracts import Entry\n")
    assert checks.check_module_imports() == []


# --- E004: a public file importing a private file of its own module ----------------------------
@pytest.mark.parametrize(
    ("public", "line"),
    [
        ("contracts.py", "from . import models"),
        ("interface.py", "from .services import something"),
        ("interface.py", "import PKG.ledger.impl"),
    ],
)
def test_public_file_importing_a_private_one_is_named(
    planted: Planted, public: str, line: str
) -> None:
    original = planted.path(f"ledger/{public}").read_text()
    planted.append(f"ledger/{public}", line)
    [error] = checks.check_module_imports()
    assert error.id == "modkit.E004"
    assert f"the public file {planted.package}.ledger.{public[:-3]} imports" in error.msg
    assert "a private file of its own module" in error.msg

    planted.path(f"ledger/{public}").write_text(original)
    assert checks.check_module_imports() == []


def test_private_files_may_import_each_other(planted: Planted) -> None:
    planted.write("ledger/services.py", "from . import models, selectors\nfrom .impl import CASH\n")
    assert checks.check_module_imports() == []


# --- E005: depends_on naming an unknown module -------------------------------------------------
@pytest.mark.parametrize(
    ("depends_on", "expected"),
    [
        ('("ledger", "warehouse")', "declares depends_on 'warehouse', which is not a module"),
        ('("ledger", "billing")', "declares depends_on 'billing', which is the module itself"),
    ],
)
def test_unknown_dependency_is_named(planted: Planted, depends_on: str, expected: str) -> None:
    apps_py = planted.path("billing/apps.py")
    apps_py.write_text(apps_py.read_text().replace('("ledger",)', depends_on))
    errors = [e for e in checks.check_module_declarations() if e.id == "modkit.E005"]
    assert [e.msg for e in errors] == [f"module 'billing' {expected}"]
    assert f"fix depends_on in {planted.package}.billing.apps" in errors[0].hint


# --- E006 / E007: importlinter.ini -------------------------------------------------------------
def test_missing_importlinter_ini_is_an_error(planted: Planted) -> None:
    [error] = checks.check_importlinter_config()
    assert error.id == "modkit.E006"
    assert error.msg.startswith("importlinter.ini cannot be read")
    assert error.hint == "run python manage.py modules importlinter --write"


def test_importlinter_ini_without_a_declared_dependency_is_out_of_sync(planted: Planted) -> None:
    # As if billing's depends_on had gained "ledger" after the file was generated.
    planted.write_ini({"audit": (), "billing": (), "ledger": ()})
    errors = checks.check_importlinter_config()
    assert ids(errors) == ["modkit.E007"]
    pkg = planted.package
    assert errors[0].msg == (
        "importlinter.ini is out of sync with the modules' depends_on: "
        "[importlinter:contract:modules-independent] ignore_imports is missing: "
        f"'{pkg}.billing.** -> {pkg}.ledger.interface', "
        f"'{pkg}.billing.** -> {pkg}.ledger.contracts', "
        f"'{pkg}.billing.** -> {pkg}.ledger.events'"
    )
    assert errors[0].hint == "run python manage.py modules importlinter --write"

    planted.write_ini({"audit": ("ledger",), "billing": ("ledger",), "ledger": ()})
    [error] = checks.check_importlinter_config()
    assert f"extra '{pkg}.audit.** -> {pkg}.ledger.interface'" in error.msg

    planted.write_ini()
    assert checks.check_importlinter_config() == []


def test_importlinter_ini_missing_a_new_module_is_out_of_sync(planted: Planted) -> None:
    planted.write_ini({"billing": ("ledger",), "ledger": ()})
    messages = text(checks.check_importlinter_config())
    pkg = planted.package
    assert f"[importlinter:contract:modules-independent] modules: missing '{pkg}.audit'" in messages
    assert f"[importlinter:contract:module-layers] containers: missing '{pkg}.audit'" in messages


def test_hand_edited_importlinter_ini_is_out_of_sync(planted: Planted) -> None:
    planted.write_ini()
    ini = boundaries.Layout.current().ini_path
    ini.write_text(ini.read_text() + "\n[importlinter:contract:mine]\nname = x\ntype = layers\n")
    [error] = checks.check_importlinter_config()
    assert error.id == "modkit.E007"
    assert "[importlinter:contract:mine] is not generated (remove it)" in error.msg


# --- E008: interface and implementation --------------------------------------------------------
def test_implementation_not_matching_its_interface_is_named(planted: Planted) -> None:
    impl = planted.path("ledger/impl.py")
    impl.write_text(impl.read_text().replace("def count(self, *, limit", "def count(self, *, top"))
    [error] = checks.check_module_declarations()
    assert error.id == "modkit.E008"
    assert "LedgerServiceImpl.count(self, *, top" in error.msg
    assert "does not match the interface LedgerService.count" in error.msg


def test_implementation_of_a_module_not_hosted_is_not_imported(
    planted: Planted, settings: Any
) -> None:
    impl = planted.path("ledger/impl.py")
    impl.write_text("raise RuntimeError('imports models, which only a hosting process may')\n")
    settings.MODKIT_HOSTED = ("audit",)
    assert checks.check_module_declarations() == []


def test_interface_declaring_another_module_name_is_named(planted: Planted) -> None:
    interface = planted.path("audit/interface.py")
    interface.write_text(interface.read_text().replace('module = "audit"', 'module = "trail"'))
    [error] = checks.check_module_declarations()
    assert error.id == "modkit.E008"
    assert "declares module = 'trail', but it is the interface of module 'audit'" in error.msg


def test_interface_without_an_implementation_is_named(planted: Planted) -> None:
    apps_py = planted.path("audit/apps.py")
    apps_py.write_text(apps_py.read_text().replace('f"{PACKAGE}.impl.AuditServiceImpl"', '""'))
    [error] = checks.check_module_declarations()
    assert error.id == "modkit.E008"
    assert error.msg == "module 'audit' declares an interface but no implementation"


def test_module_without_an_interface_has_nothing_to_check(planted: Planted) -> None:
    apps_py = planted.path("audit/apps.py")
    text = apps_py.read_text()
    text = text.replace('f"{PACKAGE}.interface.AuditService"', '""')
    apps_py.write_text(text.replace('f"{PACKAGE}.impl.AuditServiceImpl"', '""'))
    assert checks.check_module_declarations() == []


def test_interface_that_cannot_be_imported_is_named(planted: Planted) -> None:
    apps_py = planted.path("audit/apps.py")
    apps_py.write_text(apps_py.read_text().replace("interface.AuditService", "interface.Nope"))
    [error] = checks.check_module_declarations()
    assert error.id == "modkit.E008"
    assert f"the interface of module 'audit', {planted.package}.audit.interface.Nope" in error.msg


# --- E009: types the codec cannot carry --------------------------------------------------------
AUDIT_WITH = '''import msgspec

from modkit.interfaces import Interface


class Thing:
    """Not a DTO: a plain class (think: a model)."""


class A(msgspec.Struct, frozen=True):
    a: int


class B(msgspec.Struct, frozen=True):
    b: int


class Wrapper(msgspec.Struct, frozen=True):
    things: list[Thing]


class AuditService(Interface):
    module = "audit"

    def record(self, *, SIGNATURE:
        """Remember ``what``."""
'''


@pytest.mark.parametrize(
    ("signature", "problem"),
    [
        ("what: Thing) -> None", "no wire encoding for what (PKG.audit.interface.Thing)"),
        ("what: str) -> Wrapper", "no wire encoding for return.things (PKG.audit.interface.Thing)"),
        ("what: Wrapper) -> None", "no wire encoding for what.things (PKG.audit.interface.Thing)"),
        ("what: A | B) -> None", "all Struct types must be tagged"),
    ],
)
def test_operation_with_a_type_the_codec_cannot_carry_is_named(
    planted: Planted, signature: str, problem: str
) -> None:
    planted.write("audit/interface.py", AUDIT_WITH.replace("SIGNATURE", signature))
    [error] = checks.check_module_declarations()
    assert error.id == "modkit.E009"
    assert error.msg.startswith("operation audit.record(self, *, what: ")
    assert "has a type the wire codec cannot carry: " in error.msg
    assert problem.replace("PKG", planted.package) in error.msg
    assert "frozen msgspec Structs" in error.hint


# --- E010: a used module neither hosted nor remote ---------------------------------------------
def test_used_module_neither_hosted_nor_remote_is_named(planted: Planted, settings: Any) -> None:
    settings.MODKIT_HOSTED = ("billing",)
    [error] = checks.check_configuration()
    assert error.id == "modkit.E010"
    assert error.msg == "module 'billing' uses 'ledger', which is neither hosted here nor remote"
    assert error.hint == "add 'ledger' to MODKIT_MODULES or set MODKIT_REMOTE_LEDGER=<base url>"

    settings.MODKIT_REMOTES = {"ledger": "http://ledger:8001"}
    assert checks.check_configuration() == []


# --- E001: relations between modules' models ---------------------------------------------------
@pytest.fixture
def fake_modules(settings: Any) -> None:
    settings.MODKIT_MODULES_PACKAGE = "tests.modkit.fake_modules"


def registered_models(isolated: Any) -> list[type]:
    """Every model of an isolated registry (get_models() skips labels of no installed app)."""
    return [model for label in isolated.all_models.values() for model in label.values()]


def relation_messages(**fields: Any) -> list[str]:
    """E001 messages for a ``billing.Invoice`` model with ``fields`` (ledger.Account exists)."""
    with isolate_apps("django.contrib.auth", "django.contrib.contenttypes") as isolated:

        class Account(models.Model):  # noqa: DJ008
            class Meta:
                app_label = "ledger"

        class Line(models.Model):  # noqa: DJ008
            class Meta:
                app_label = "billing"

        type(
            "Invoice",
            (models.Model,),
            {"__module__": __name__, "Meta": type("Meta", (), {"app_label": "billing"}), **fields},
        )
        return [str(e) for e in checks.relation_errors(registered_models(isolated))]


@pytest.mark.parametrize(
    ("field", "kind", "target"),
    [
        (lambda: models.ForeignKey("ledger.Account", models.CASCADE), "ForeignKey", "Account"),
        (
            lambda: models.OneToOneField("ledger.Account", models.CASCADE),
            "OneToOneField",
            "Account",
        ),
        (lambda: models.ManyToManyField("ledger.Account"), "ManyToManyField", "Account"),
        # Not installed anywhere (audit has no such model here): the string is never resolved.
        (lambda: models.ForeignKey("audit.Trail", models.PROTECT), "ForeignKey", "audit.Trail"),
    ],
)
def test_relation_to_another_module_is_named_with_the_fix(
    fake_modules: None, field: Any, kind: str, target: str
) -> None:
    [message] = relation_messages(account=field())
    other = "audit" if target.startswith("audit.") else "ledger"
    target = target if "." in target else f"ledger.{target}"
    assert message.startswith("billing.Invoice.account: (modkit.E001) ")
    assert (
        f"billing.Invoice.account is a {kind} from module 'billing' to {target} of module "
        f"'{other}': modules must not share relations"
    ) in message
    assert "reference it by id (a plain field, e.g. account_id)" in message
    assert f"tests.modkit.fake_modules.{other}.interface" in message


def test_relations_within_a_module_and_to_other_apps_are_fine(fake_modules: None) -> None:
    assert (
        relation_messages(
            line=models.ForeignKey("billing.Line", models.CASCADE),
            lines=models.ManyToManyField("Line", related_name="+"),
            user=models.ForeignKey("auth.User", models.CASCADE),
            parent=models.ForeignKey("self", models.CASCADE, null=True),
            account_id=models.BigIntegerField(),
        )
        == []
    )


def test_many_to_many_through_models_are_checked(fake_modules: None) -> None:
    with isolate_apps("django.contrib.contenttypes") as isolated:

        class Account(models.Model):  # noqa: DJ008
            class Meta:
                app_label = "ledger"

        class Invoice(models.Model):  # noqa: DJ008
            accounts = models.ManyToManyField(Account, through="InvoiceAccount")

            class Meta:
                app_label = "billing"

        class InvoiceAccount(models.Model):  # noqa: DJ008
            invoice = models.ForeignKey(Invoice, models.CASCADE)
            account = models.ForeignKey(Account, models.CASCADE)

            class Meta:
                app_label = "billing"

        class Charge(models.Model):  # noqa: DJ008
            invoices = models.ManyToManyField(Invoice, through="ledger.Posting", related_name="+")

            class Meta:
                app_label = "billing"

        class Posting(models.Model):  # noqa: DJ008
            charge = models.ForeignKey(Charge, models.CASCADE)
            invoice = models.ForeignKey(Invoice, models.CASCADE, related_name="+")

            class Meta:
                app_label = "ledger"

        messages = text(checks.relation_errors(registered_models(isolated)))

    for expected in [
        "billing.Invoice.accounts is a ManyToManyField from module 'billing' to ledger.Account",
        "billing.InvoiceAccount.account is a ForeignKey from module 'billing' to ledger.Account",
        "billing.Charge.invoices is a ManyToManyField through from module 'billing' to "
        "ledger.Posting",
        "ledger.Posting.charge is a ForeignKey from module 'ledger' to billing.Charge",
        "ledger.Posting.invoice is a ForeignKey from module 'ledger' to billing.Invoice",
    ]:
        assert expected in messages
    assert messages.count("(modkit.E001)") == 5


def test_inheriting_another_module_model_is_a_relation(fake_modules: None) -> None:
    with isolate_apps("django.contrib.contenttypes") as isolated:

        class Account(models.Model):  # noqa: DJ008
            class Meta:
                app_label = "ledger"

        class SpecialAccount(Account):  # noqa: DJ008
            class Meta:
                app_label = "billing"

        [error] = checks.relation_errors(registered_models(isolated))
    assert "billing.SpecialAccount.account_ptr is a OneToOneField" in error.msg


def test_installed_models_have_no_cross_module_relation() -> None:
    assert checks.check_cross_module_relations() == []
