"""The local implementation of ``PaymentsService``: the one place models become DTOs."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from . import selectors, services
from .contracts import Payment, PaymentNotFound
from .interface import PaymentsService
from .models import Payment as PaymentRow


class PaymentsServiceImpl(PaymentsService):
    def authorize(self, *, order_id: UUID, amount: Decimal, currency: str, token: str) -> Payment:
        return _payment(
            services.payment_authorize(
                order_id=order_id, amount=amount, currency=currency, token=token
            )
        )

    def refund(self, *, order_id: UUID) -> Payment:
        return _payment(services.payment_refund(order_id=order_id))

    def get_payment(self, *, order_id: UUID) -> Payment:
        row = selectors.payment_get(order_id=order_id)
        if row is None:
            raise PaymentNotFound(
                f"No payment for order {order_id}.", details={"order_id": str(order_id)}
            )
        return _payment(row)


def _payment(row: PaymentRow) -> Payment:
    return Payment(
        order_id=row.order_id,
        amount=row.amount,
        currency=row.currency,
        status=str(row.status),  # a plain str, not the model's TextChoices member
        gateway_reference=row.gateway_reference,
        gateway_attempts=row.gateway_attempts,
        created_at=row.created_at,
        refunded_at=row.refunded_at,
    )
