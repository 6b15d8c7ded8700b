"""Payments DTOs and domain errors."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

import msgspec

from modkit.errors import Conflict, DomainError, ModuleUnavailable, NotFound


class Payment(msgspec.Struct, frozen=True, kw_only=True):
    """The payment of one order.

    ``status``: ``authorized`` (charged), ``declined`` (nothing charged), ``refunded`` (charged,
    then given back in full at ``refunded_at``), ``voided`` (refunded before the gateway charged
    anything: nothing was or will be charged), or ``pending`` (the gateway has not answered yet,
    or was unreachable: nothing is known to be charged; ``authorize`` again resolves it).
    ``gateway_attempts`` counts the gateway calls made to authorize, retries included.
    """

    order_id: UUID
    amount: Decimal
    currency: str
    status: str
    gateway_reference: str
    gateway_attempts: int
    created_at: datetime
    refunded_at: datetime | None = None


class PaymentDeclined(Conflict):
    """The gateway declined the payment; nothing was charged."""

    code = "payment_declined"
    http_status = 402
    default_message = "The payment was declined."


class PaymentUnavailable(ModuleUnavailable):
    """The payment gateway could not be reached (after retries); nothing was charged."""

    code = "payment_unavailable"
    default_message = "The payment gateway is unavailable; try again shortly."


class PaymentNotFound(NotFound):
    """No payment exists for this order."""

    code = "payment_not_found"
    default_message = "No payment for this order."


class InvalidPayment(DomainError):
    """The amount, currency or token is not acceptable."""

    code = "invalid_payment"
    default_message = "Invalid payment request."
