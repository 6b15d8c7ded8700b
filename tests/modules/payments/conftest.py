from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from modules.payments.models import GatewayCharge, GatewayRequest


@pytest.fixture(autouse=True)
def _instant_retries(settings) -> None:
    """Retries without waiting, so outage tests are fast; the default timing has its own test."""
    settings.MODKIT_PAYMENTS_RETRY_WAIT_INITIAL = 0
    settings.MODKIT_PAYMENTS_RETRY_WAIT_MAX = 0
    settings.MODKIT_PAYMENTS_RETRY_WAIT_JITTER = 0


@pytest.fixture
def order_id() -> uuid.UUID:
    return uuid.uuid4()


@pytest.fixture
def charges() -> Callable[..., int]:
    """The number of charges the gateway made (approved ones, unless another outcome is asked)."""

    def count(order_id: uuid.UUID | None = None, *, outcome: str = "approved") -> int:
        rows = GatewayCharge.objects.filter(outcome=outcome)
        if order_id is not None:
            rows = rows.filter(idempotency_key=str(order_id))
        return rows.count()

    return count


@pytest.fixture
def gateway_refunds() -> Callable[[uuid.UUID], int]:
    """How many times the gateway actually gave money back under an order's key."""

    def count(order_id: uuid.UUID) -> int:
        return GatewayRequest.objects.filter(
            idempotency_key=str(order_id), operation="refund", result="refunded"
        ).count()

    return count
