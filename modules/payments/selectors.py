"""Reads of payments state. Writes, and every gateway call, live in ``services``."""

from __future__ import annotations

from uuid import UUID

from .models import GatewayCharge, Payment


def payment_get(*, order_id: UUID) -> Payment | None:
    return Payment.objects.filter(order_id=order_id).first()


def gateway_charge_get(*, idempotency_key: str) -> GatewayCharge | None:
    return GatewayCharge.objects.filter(idempotency_key=idempotency_key).first()
