from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from modules.inventory import services
from modules.inventory.models import StockItem


@pytest.fixture
def stock() -> Callable[..., StockItem]:
    """Put ``on_hand`` units of ``sku`` on the shelf through the audited service."""

    def make(sku: str, on_hand: int) -> StockItem:
        return services.stock_adjust(sku=sku, delta=on_hand, reason="test stock")

    return make


@pytest.fixture
def order_id() -> uuid.UUID:
    return uuid.uuid4()
