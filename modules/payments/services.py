"""Writes to payments: authorize and refund through the gateway, at most once per order.

How "at most once" holds, even with concurrent callers and crashes:

- The order's ``Payment`` row is claimed first, in its own short transaction (``order_id`` is
  unique, so concurrent first calls meet there and share one row) in status ``pending``.
- The gateway is called with the order id as its idempotency key, **outside** any transaction:
  it stands for a remote provider, whose charge is committed whatever happens to ours, and a
  transaction held across its latency and our backoff would block other writers (all of them on
  SQLite). Every call under one key returns the same charge, so a retry, a concurrent caller, or
  a caller resuming a ``pending`` payment after a crash never charges twice.
- The answer is recorded under a row lock, and only moves the status forward
  (``pending`` → ``authorized``/``declined``/``voided`` → ``refunded`` only from ``authorized``),
  so a late or concurrent writer cannot undo a refund.

Transient gateway failures are retried with exponential backoff and jitter (stamina), bounded by
the ``MODKIT_PAYMENTS_RETRY_*`` settings (defaults: 4 attempts within 1 s in total).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID

import stamina
from django.conf import settings
from django.db import IntegrityError, transaction

from . import selectors
from .contracts import InvalidPayment, PaymentDeclined, PaymentNotFound, PaymentUnavailable
from .gateway import Gateway, GatewayTransientError, Receipt
from .models import GatewayCharge, Payment

logger = logging.getLogger(__name__)

Status = Payment.Status
T = TypeVar("T")

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("9999999999.99")  # what Payment.amount (12 digits, 2 decimals) holds
MAX_TOKEN_LENGTH = GatewayCharge._meta.get_field("token").max_length

# Backoff between the 4 attempts: 0.05, 0.1 and 0.2 s, each plus up to 0.05 s of jitter, so
# about 0.5 s at most; the 1 s timeout also bounds it when the gateway is slow.
RETRY_DEFAULTS: dict[str, Any] = {
    "attempts": 4,
    "timeout": 1.0,
    "wait_initial": 0.05,
    "wait_max": 0.4,
    "wait_jitter": 0.05,
}

# Where a recorded gateway answer may move a payment: only forward, so a late writer (a
# concurrent authorize, or one that crashed and resumed) cannot undo a refund.
_FORWARD: dict[str, set[str]] = {
    Status.PENDING: {Status.AUTHORIZED, Status.DECLINED, Status.VOIDED, Status.REFUNDED},
    Status.AUTHORIZED: {Status.REFUNDED},
}

_gateway = Gateway()


def payment_authorize(*, order_id: UUID, amount: Decimal, currency: str, token: str) -> Payment:
    """Charge ``amount`` for the order, once; see ``PaymentsService.authorize`` for the rules.

    Raises ``InvalidPayment`` (also for an amount or currency other than the order's existing
    payment), ``PaymentDeclined`` and ``PaymentUnavailable``.
    """
    amount, currency = _validated(amount=amount, currency=currency, token=token)
    payment = _claim(order_id=order_id, amount=amount, currency=currency)
    if payment.status == Status.PENDING:
        payment = _charge(payment, token)
    if payment.status in (Status.DECLINED, Status.VOIDED):
        raise PaymentDeclined(
            payment.decline_reason or PaymentDeclined.default_message,
            details={"order_id": str(order_id), "reason": payment.decline_reason},
        )
    return payment


def payment_refund(*, order_id: UUID) -> Payment:
    """Give back an authorized payment in full, once; a payment still ``pending`` is voided.

    A refunded, declined or voided payment is returned as it is (the gateway is not called).
    Raises ``PaymentNotFound`` and ``PaymentUnavailable``.
    """
    payment = selectors.payment_get(order_id=order_id)
    if payment is None:
        raise PaymentNotFound(
            f"No payment for order {order_id}.", details={"order_id": str(order_id)}
        )
    if payment.status not in (Status.PENDING, Status.AUTHORIZED):
        return payment
    receipt, _ = _call_gateway(
        lambda: _gateway.refund(idempotency_key=str(order_id)), order_id=order_id, what="refund"
    )
    return _record(payment, receipt, attempts=0)


def _validated(*, amount: Decimal, currency: str, token: str) -> tuple[Decimal, str]:
    if isinstance(amount, int) and not isinstance(amount, bool):
        amount = Decimal(amount)
    if not (
        isinstance(amount, Decimal)
        and amount.is_finite()
        and 0 < amount <= MAX_AMOUNT
        and amount == amount.quantize(CENT)
    ):
        raise InvalidPayment(
            "The amount must be a positive decimal with at most 2 decimal places "
            f"and at most {MAX_AMOUNT}.",
            details={"field": "amount", "value": str(amount)},
        )
    if not (
        isinstance(currency, str)
        and len(currency) == 3
        and currency.isascii()
        and currency.isalpha()
    ):
        raise InvalidPayment(
            "The currency must be a 3-letter ISO 4217 code, e.g. EUR.",
            details={"field": "currency"},
        )
    if not (isinstance(token, str) and token.strip() and len(token) <= MAX_TOKEN_LENGTH):
        raise InvalidPayment(
            f"The card token must be a non-empty string of at most {MAX_TOKEN_LENGTH} characters.",
            details={"field": "token"},
        )
    return amount.quantize(CENT), currency.upper()


def _claim(*, order_id: UUID, amount: Decimal, currency: str) -> Payment:
    """The order's payment: the existing one, or a new ``pending`` one, committed at once.

    Concurrent first calls meet on the unique ``order_id``: the losing insert waits for the
    winner's commit, fails, and reads the winner's row.
    """
    payment = selectors.payment_get(order_id=order_id)
    if payment is None:
        try:
            with transaction.atomic():
                return Payment.objects.create(order_id=order_id, amount=amount, currency=currency)
        except IntegrityError:
            payment = Payment.objects.get(order_id=order_id)
    if (payment.amount, payment.currency) != (amount, currency):
        raise InvalidPayment(
            f"Order {order_id} already has a payment of {payment.amount} {payment.currency}.",
            details={
                "order_id": str(order_id),
                "amount": str(payment.amount),
                "currency": payment.currency,
            },
        )
    return payment


def _charge(payment: Payment, token: str) -> Payment:
    def charge() -> Receipt:
        return _gateway.charge(
            idempotency_key=str(payment.order_id),
            amount=payment.amount,
            currency=payment.currency,
            token=token,
        )

    try:
        receipt, attempts = _call_gateway(charge, order_id=payment.order_id, what="authorize")
    except PaymentUnavailable as exc:
        _count_attempts(payment, exc.details["attempts"])
        raise
    return _record(payment, receipt, attempts=attempts)


def _call_gateway(call: Callable[[], T], *, order_id: UUID, what: str) -> tuple[T, int]:
    """``call()``, retried on transient gateway errors; its result and the number of calls.

    Raises ``PaymentUnavailable`` (with ``attempts`` in its details) once the retry budget is
    spent.
    """
    attempts = 0

    def counted() -> T:
        nonlocal attempts
        attempts += 1
        return call()

    retrying = stamina.RetryingCaller(**_retry_policy())
    try:
        return retrying.on(GatewayTransientError)(counted), attempts
    except GatewayTransientError as exc:
        logger.warning(
            "payments: %s of order %s gave up after %d gateway attempts: %s",
            what,
            order_id,
            attempts,
            exc,
        )
        raise PaymentUnavailable(
            details={"order_id": str(order_id), "attempts": attempts, "reason": str(exc)}
        ) from exc


def _retry_policy() -> dict[str, Any]:
    """stamina's retry arguments: each ``MODKIT_PAYMENTS_RETRY_<ARG>`` setting, or its default."""
    return {
        arg: getattr(settings, f"MODKIT_PAYMENTS_RETRY_{arg.upper()}", default)
        for arg, default in RETRY_DEFAULTS.items()
    }


def _count_attempts(payment: Payment, attempts: int) -> None:
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        locked.gateway_attempts += attempts
        locked.save(update_fields=["gateway_attempts", "updated_at"])


@transaction.atomic
def _record(payment: Payment, receipt: Receipt, *, attempts: int) -> Payment:
    """Apply the gateway's answer to the payment, only ever moving its status forward."""
    locked = Payment.objects.select_for_update().get(pk=payment.pk)
    locked.gateway_attempts += attempts
    status = _status_of(receipt)
    if status in _FORWARD.get(locked.status, ()):
        locked.status = status
        locked.gateway_reference = receipt.reference
        locked.decline_reason = receipt.decline_reason
        locked.refunded_at = receipt.refunded_at if status == Status.REFUNDED else None
    locked.save()
    return locked


def _status_of(receipt: Receipt) -> str:
    if receipt.outcome == GatewayCharge.Outcome.APPROVED:
        return Status.REFUNDED if receipt.refunded_at else Status.AUTHORIZED
    if receipt.outcome == GatewayCharge.Outcome.DECLINED:
        return Status.DECLINED
    return Status.VOIDED
