"""The billing interface and its delegate, ``billing``."""

from __future__ import annotations

from decimal import Decimal

from modkit.interfaces import Interface, delegate

from ..ledger.contracts import Balance


class BillingService(Interface):
    """Charges, booked on the ledger."""

    module = "billing"

    def charge(self, *, account: str, amount: Decimal) -> Balance:
        """Take ``amount`` from ``account``. Raises the ledger's ``Overdrawn``."""
        raise NotImplementedError


billing = delegate(BillingService)
