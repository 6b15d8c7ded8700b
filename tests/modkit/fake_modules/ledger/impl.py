"""The ledger's local implementation."""

from __future__ import annotations

from decimal import Decimal

from .contracts import Balance, Entry, Overdrawn, UnknownAccount
from .interface import LedgerService

CASH = Decimal("10.00")


class LedgerServiceImpl(LedgerService):
    def balance(self, *, account: str) -> Balance:
        if account != "cash":
            raise UnknownAccount(f"no account {account!r}", details={"account": account})
        return Balance(account=account, amount=CASH)

    def post(self, *, entry: Entry) -> Balance:
        total = self.balance(account=entry.account).amount + entry.amount
        if total < 0:
            raise Overdrawn(
                "cash would go below zero", details={"account": entry.account, "short": str(-total)}
            )
        return Balance(account=entry.account, amount=total)

    def count(self, *, limit: int = 10) -> int:
        return limit
