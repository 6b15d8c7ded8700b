from decimal import Decimal

import pytest
from model_bakery import baker

from modkit.testing import swap

from .fakes import FakeInventory


@pytest.fixture
def fake_inventory():
    with swap("inventory", FakeInventory()) as fake:
        yield fake


@pytest.fixture
def mugs(db):
    return baker.make("catalog.Category", slug="mugs", name="Mugs")


@pytest.fixture
def teas(db):
    return baker.make("catalog.Category", slug="teas", name="Teas")


@pytest.fixture
def make_product(mugs):
    def make(sku, **fields):
        fields.setdefault("category", mugs)
        fields.setdefault("name", f"Product {sku}")
        fields.setdefault("description", "")
        fields.setdefault("price", Decimal("10.00"))
        return baker.make("catalog.Product", sku=sku, **fields)

    return make
