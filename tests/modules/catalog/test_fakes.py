"""The fake must not drift from the interface it stands in for."""

import inspect

import pytest

from modules.inventory.interface import InventoryService

from .fakes import FakeInventory


@pytest.mark.parametrize("operation", ["get_availability", "adjust_stock"])
def test_fake_inventory_operations_match_the_interface(operation):
    declared = InventoryService.__operations__[operation].signature
    faked = inspect.signature(getattr(FakeInventory, operation))
    assert list(faked.parameters.items()) == list(declared.parameters.items())
