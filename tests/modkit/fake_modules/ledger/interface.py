"""The ledger's interface and its delegate, ``ledger``."""

from __future__ import annotations

from modkit.interfaces import Interface, delegate, operation

from .contracts import Balance, Entry


class LedgerService(Interface):
    """A toy ledger: one account, ``cash``."""

    module = "ledger"

    @operation(idempotent=True)
    def balance(self, *, account: str) -> Balance:
        """The balance of an account. Raises ``UnknownAccount``."""
        raise NotImplementedError

    def post(self, *, entry: Entry) -> Balance:
        """Post an entry; the new balance. Raises ``Overdrawn``."""
        raise NotImplementedError

    @operation(idempotent=True)
    def count(self, *, limit: int = 10) -> int:
        """Echo ``limit`` (an int on the wire)."""
        raise NotImplementedError


ledger = delegate(LedgerService)
