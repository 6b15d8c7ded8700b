"""The payments module's public interface and its delegate, ``payments``."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from modkit.interfaces import Interface, delegate, operation

from .contracts import Payment


class PaymentsService(Interface):
    """Charges and refunds through the (simulated) payment gateway, at most once per order."""

    module = "payments"

    @operation(idempotent=True)
    def authorize(self, *, order_id: UUID, amount: Decimal, currency: str, token: str) -> Payment:
        """Charge ``amount`` for ``order_id`` with the card ``token``; at most once per order.

        Test tokens: ``tok_ok`` approves, ``tok_declined`` declines, ``tok_flaky`` fails
        transiently twice and then approves (retried here; charged once). The gateway is called
        with the order id as its idempotency key, so calling again for the same order returns
        the same payment and never charges twice. Raises ``PaymentDeclined`` (also when called
        again for a declined order), ``PaymentUnavailable`` while the gateway is unreachable,
        ``InvalidPayment``. May be slow (gateway round trips and retries).
        """
        raise NotImplementedError

    @operation(idempotent=True)
    def refund(self, *, order_id: UUID) -> Payment:
        """Refund an authorized payment in full. Idempotent: a refunded payment is returned as is;
        a declined one is returned unchanged (nothing was charged). Raises ``PaymentNotFound``,
        ``PaymentUnavailable``."""
        raise NotImplementedError

    @operation(idempotent=True)
    def get_payment(self, *, order_id: UUID) -> Payment:
        """The payment of an order. Raises ``PaymentNotFound``."""
        raise NotImplementedError


payments = delegate(PaymentsService)
