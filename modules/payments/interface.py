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
        again for a declined or voided order), ``PaymentUnavailable`` while the gateway is
        unreachable (after a bounded retry; the payment stays ``pending`` and calling again is
        safe), ``InvalidPayment`` (amount not positive or with more than 2 decimals, currency not
        3 letters, empty token, or an amount or currency other than the order's existing
        payment). May be slow: gateway round trips and retries, about a second at worst with the
        default ``MODKIT_PAYMENTS_RETRY_*`` settings.
        """
        raise NotImplementedError

    @operation(idempotent=True)
    def refund(self, *, order_id: UUID) -> Payment:
        """Refund an authorized payment in full. Idempotent: a refunded payment is returned as is;
        a declined or voided one is returned unchanged (nothing was charged). A ``pending`` one is
        settled at the gateway: refunded if the gateway had charged it, otherwise ``voided`` so
        that no later ``authorize`` can charge it. Raises ``PaymentNotFound``,
        ``PaymentUnavailable``."""
        raise NotImplementedError

    @operation(idempotent=True)
    def get_payment(self, *, order_id: UUID) -> Payment:
        """The payment of an order. Raises ``PaymentNotFound``."""
        raise NotImplementedError


payments = delegate(PaymentsService)
