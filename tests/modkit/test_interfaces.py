"""Interfaces, delegates and the local / loopback transports (modkit.interfaces, modkit.modules).

Uses the fake modules of ``tests/modkit/fake_modules`` (``ledger``, ``billing``, ``audit``),
hosted through settings, so nothing here depends on the real modules.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from modkit.errors import ModuleUnavailable, SerializationError
from modkit.interfaces import Interface, delegate, operation, verify_implementation
from modkit.modules import registry
from modkit.testing import swap
from tests.modkit.fake_modules.billing.interface import billing
from tests.modkit.fake_modules.ledger.contracts import Balance, Entry, Overdrawn, UnknownAccount
from tests.modkit.fake_modules.ledger.impl import LedgerServiceImpl
from tests.modkit.fake_modules.ledger.interface import LedgerService, ledger

FAKE_MODULES = "tests.modkit.fake_modules"


@pytest.fixture
def fake_modules(settings: Any) -> None:
    """Host the fake modules in this process (changing MODKIT_* settings resets the registry)."""
    settings.MODKIT_MODULES_PACKAGE = FAKE_MODULES
    settings.MODKIT_HOSTED = ("audit", "ledger", "billing")
    settings.MODKIT_REMOTES = {}


@pytest.fixture
def loopback(settings: Any, fake_modules: None) -> None:
    settings.MODKIT_TRANSPORT = "loopback"


class Shelf(Interface):
    """A test interface; ``module`` names no real module."""

    module = "shelf"

    def put(self, *, item: str, count: int = 1) -> int:
        """Put ``count`` of ``item`` on the shelf."""
        raise NotImplementedError

    @operation(idempotent=True)
    def look(self, *, item: str) -> int:
        """How many of ``item`` are on the shelf."""
        raise NotImplementedError


shelf = delegate(Shelf)


# --- declaring interfaces ----------------------------------------------------------------------
def test_operation_parameters_must_be_keyword_only() -> None:
    with pytest.raises(TypeError, match=r"Broken\.put: parameter 'item' must be keyword-only"):

        class Broken(Interface):
            module = "broken"

            def put(self, item: str) -> None:
                """Positional: refused."""

    with pytest.raises(TypeError, match="keyword-only"):

        class AlsoBroken(Interface):
            module = "broken"

            def put(self, *items: str) -> None:
                """Variadic: refused."""


def test_interface_records_operations_with_their_properties() -> None:
    assert list(Shelf.__operations__) == ["put", "look"]
    assert Shelf.__operations__["look"].idempotent
    assert not Shelf.__operations__["put"].idempotent
    assert Shelf.__operations__["put"].qualname == "shelf.put"
    assert Shelf.__operations__["put"].doc.startswith("Put ``count``")


# --- verify_implementation ---------------------------------------------------------------------
def test_verify_implementation_accepts_a_matching_implementation() -> None:
    class Good(Shelf):
        def put(self, *, item: str, count: int = 1) -> int:
            return count

        def look(self, *, item: str) -> int:
            return 0

        def _helper(self) -> None:
            """Private helpers are fine."""

    assert verify_implementation(Shelf, Good) == []


def test_verify_implementation_reports_a_missing_operation() -> None:
    class Missing(Shelf):
        def put(self, *, item: str, count: int = 1) -> int:
            return count

    [problem] = verify_implementation(Shelf, Missing)
    assert "does not implement operation 'look'" in problem


def test_verify_implementation_reports_a_renamed_parameter() -> None:
    class Renamed(Shelf):
        def put(self, *, thing: str, count: int = 1) -> int:
            return count

        def look(self, *, item: str) -> int:
            return 0

    [problem] = verify_implementation(Shelf, Renamed)
    assert "Renamed.put(self, *, thing: " in problem
    assert "does not match the interface Shelf.put(self, *, item: " in problem


def test_verify_implementation_reports_a_positional_parameter() -> None:
    class Positional(Shelf):
        def put(self, item: str, *, count: int = 1) -> int:
            return count

        def look(self, *, item: str) -> int:
            return 0

    [problem] = verify_implementation(Shelf, Positional)
    assert "Positional.put(self, item: " in problem
    assert "does not match the interface Shelf.put(self, *, item: " in problem


def test_verify_implementation_reports_an_extra_public_method() -> None:
    class Extra(Shelf):
        def put(self, *, item: str, count: int = 1) -> int:
            return count

        def look(self, *, item: str) -> int:
            return 0

        def restock(self) -> None:
            """Public but not an operation."""

    [problem] = verify_implementation(Shelf, Extra)
    assert "Extra.restock is public but not an operation of Shelf" in problem


def test_verify_implementation_requires_a_subclass() -> None:
    class Unrelated:
        def put(self, *, item: str, count: int = 1) -> int:
            return count

        def look(self, *, item: str) -> int:
            return 0

    assert any("must subclass Shelf" in p for p in verify_implementation(Shelf, Unrelated))


# --- delegates ---------------------------------------------------------------------------------
def test_delegate_calls_the_hosted_implementation(fake_modules: None) -> None:
    assert ledger.balance(account="cash") == Balance(account="cash", amount=Decimal("10.00"))
    assert billing.charge(account="cash", amount=Decimal("4")) == Balance(
        account="cash", amount=Decimal("6.00")
    )


def test_delegate_caches_its_target_and_reset_clears_it(fake_modules: None) -> None:
    assert "balance" not in vars(ledger)
    first = ledger.balance
    assert vars(ledger)["balance"] is first
    assert ledger.balance is first
    assert first.__self__ is registry.implementation("ledger")

    registry.reset()

    assert "balance" not in vars(ledger)
    assert ledger.balance.__self__ is not first.__self__  # a fresh implementation, too


def test_delegate_rejects_unknown_operations_and_assignment(fake_modules: None) -> None:
    with pytest.raises(AttributeError, match="LedgerService has no operation 'withdraw'"):
        ledger.withdraw  # noqa: B018
    with pytest.raises(AttributeError, match="read-only"):
        ledger.balance = lambda **kw: None


def test_delegate_of_a_module_not_hosted_raises_module_unavailable(settings: Any) -> None:
    settings.MODKIT_MODULES_PACKAGE = FAKE_MODULES
    settings.MODKIT_HOSTED = ("billing",)
    settings.MODKIT_REMOTES = {"ledger": "http://ledger.internal:8000"}
    with pytest.raises(ModuleUnavailable, match=r"ledger\.balance: .*ledger\.internal"):
        ledger.balance(account="cash")


# --- loopback: every call through the wire codec -----------------------------------------------
def test_loopback_round_trips_arguments_and_results(loopback: None) -> None:
    assert ledger.post.__name__ == "ledger.post"  # the codec's wrapper, not the bound method
    result = ledger.post(entry=Entry(account="cash", amount=Decimal("2.50"), memo=[1, "x"]))
    assert result == Balance(account="cash", amount=Decimal("12.50"))
    assert billing.charge(account="cash", amount=Decimal("1")).amount == Decimal("9.00")


def test_loopback_names_the_operation_and_field_that_cannot_be_encoded(loopback: None) -> None:
    entry = Entry(account="cash", amount=Decimal("1"), memo=["fine", object()])
    with pytest.raises(SerializationError, match=r"ledger\.post: argument 'entry\.memo\[1\]'"):
        ledger.post(entry=entry)


def test_loopback_rejects_an_argument_of_the_wrong_type(loopback: None) -> None:
    with pytest.raises(SerializationError, match=r"ledger\.count: invalid arguments.*\$\.limit"):
        ledger.count(limit="ten")


@pytest.mark.parametrize("transport", ["local", "loopback"])
def test_domain_errors_keep_class_message_and_details(
    settings: Any, fake_modules: None, transport: str
) -> None:
    settings.MODKIT_TRANSPORT = transport
    with pytest.raises(Overdrawn) as raised:
        ledger.post(entry=Entry(account="cash", amount=Decimal("-12")))
    assert type(raised.value) is Overdrawn
    assert raised.value.message == "cash would go below zero"
    assert raised.value.details == {"account": "cash", "short": "2.00"}
    assert raised.value.http_status == 409

    with pytest.raises(UnknownAccount) as raised_unknown:
        ledger.balance(account="savings")
    assert raised_unknown.value.message == "no account 'savings'"
    assert raised_unknown.value.details == {"account": "savings"}


@pytest.mark.parametrize("transport", ["local", "loopback"], indirect=True)
def test_domain_error_of_another_module_keeps_its_class_through_a_call(
    settings: Any, fake_modules: None, transport: str
) -> None:
    settings.MODKIT_TRANSPORT = transport
    with pytest.raises(Exception) as raised:
        billing.charge(account="cash", amount=Decimal("12"))
    assert type(raised.value) is Overdrawn
    assert raised.value.details == {"account": "cash", "short": "2.00"}


# --- swap --------------------------------------------------------------------------------------
class FakeLedger(LedgerServiceImpl):
    def balance(self, *, account: str) -> Balance:
        return Balance(account=account, amount=Decimal("999"))


def test_swap_routes_a_module_to_a_fake_and_back(fake_modules: None) -> None:
    assert ledger.balance(account="cash").amount == Decimal("10.00")
    with swap("ledger", FakeLedger()) as fake:
        assert ledger.balance(account="anything").amount == Decimal("999")
        assert isinstance(fake, FakeLedger)
        # Callers in other modules see the fake too.
        assert billing.charge(account="cash", amount=Decimal("1")).amount == Decimal("998")
    assert ledger.balance(account="cash").amount == Decimal("10.00")


def test_swap_routes_an_interface_of_no_discovered_module() -> None:
    class Counter(Shelf):
        def put(self, *, item: str, count: int = 1) -> int:
            return count * 2

        def look(self, *, item: str) -> int:
            return 7

    with swap("shelf", Counter()):
        assert shelf.put(item="jam", count=3) == 6
        assert shelf.look(item="jam") == 7
    assert "put" not in vars(shelf)


def test_ledger_interface_matches_its_implementation() -> None:
    assert verify_implementation(LedgerService, LedgerServiceImpl) == []
