"""A fake inventory for catalog tests: the two operations the catalog calls, in memory."""

from __future__ import annotations

from dataclasses import dataclass, field

from modkit.errors import ModuleUnavailable
from modules.inventory.contracts import StockLevel


@dataclass
class FakeInventory:
    """``available`` per sku; ``unavailable=True`` makes every call fail like a dead remote."""

    available: dict[str, int] = field(default_factory=dict)
    unavailable: bool = False
    availability_calls: list[list[str]] = field(default_factory=list)
    adjustments: list[tuple[str, int, str]] = field(default_factory=list)

    def get_availability(self, *, skus: list[str]) -> dict[str, int]:
        self.availability_calls.append(list(skus))
        self._check_up()
        return {sku: self.available[sku] for sku in skus if sku in self.available}

    def adjust_stock(self, *, sku: str, delta: int, reason: str) -> StockLevel:
        self._check_up()
        self.adjustments.append((sku, delta, reason))
        self.available[sku] = self.available.get(sku, 0) + delta
        units = self.available[sku]
        return StockLevel(sku=sku, on_hand=units, reserved=0, available=units)

    def _check_up(self) -> None:
        if self.unavailable:
            raise ModuleUnavailable("inventory: connection refused (fake)")
