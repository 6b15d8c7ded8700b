"""Billing's local implementation: a call to another module through its delegate."""

from __future__ import annotations

from decimal import Decimal

from ..ledger.contracts import Balance, Entry
from ..ledger.interface import ledger
from .interface import BillingService


class BillingServiceImpl(BillingService):
    def charge(self, *, account: str, amount: Decimal) -> Balance:
        return ledger.post(entry=Entry(account=account, amount=-amount))
