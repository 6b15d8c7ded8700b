"""The local implementation of PaymentsService (being built)."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from .contracts import Payment
from .interface import PaymentsService


class PaymentsServiceImpl(PaymentsService):
    def authorize(self, *, order_id: UUID, amount: Decimal, currency: str, token: str) -> Payment:
        raise NotImplementedError

    def refund(self, *, order_id: UUID) -> Payment:
        raise NotImplementedError

    def get_payment(self, *, order_id: UUID) -> Payment:
        raise NotImplementedError
