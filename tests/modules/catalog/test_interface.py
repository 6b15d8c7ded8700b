"""The catalog interface, once per transport: DTOs and domain errors survive the wire codec."""

from decimal import Decimal

import pytest

from modules.catalog.contracts import Category, Product, UnknownProduct
from modules.catalog.interface import catalog

pytestmark = pytest.mark.django_db


def test_get_product_returns_a_dto(transport, make_product):
    make_product("MUG-1", name="Mug", description="Blue", price=Decimal("12.50"))
    assert catalog.get_product(sku="MUG-1") == Product(
        sku="MUG-1",
        name="Mug",
        description="Blue",
        price=Decimal("12.50"),
        currency="USD",
        category="mugs",
        active=True,
    )


def test_get_product_keeps_the_price_exact(transport, make_product):
    make_product("MUG-1", price=Decimal("0.10"))
    price = catalog.get_product(sku="MUG-1").price
    assert isinstance(price, Decimal)
    assert price * 3 == Decimal("0.30")


def test_get_product_of_an_unknown_sku_raises_unknown_product(transport):
    with pytest.raises(UnknownProduct) as info:
        catalog.get_product(sku="NOPE")
    assert info.value.details == {"sku": "NOPE"}
    assert info.value.code == "unknown_product"


def test_get_product_returns_an_inactive_product_flagged(transport, make_product):
    make_product("OLD-1", active=False)
    assert catalog.get_product(sku="OLD-1").active is False


def test_get_products_keeps_request_order_once_each_and_skips_unknown(transport, make_product):
    for sku in ("A", "B", "C"):
        make_product(sku)
    products = catalog.get_products(skus=["C", "NOPE", "A", "C"])
    assert [p.sku for p in products] == ["C", "A"]
    assert all(isinstance(p, Product) for p in products)


def test_get_products_of_nothing_is_empty(transport):
    assert catalog.get_products(skus=[]) == []


def test_list_categories_orders_by_name(transport, mugs, teas):
    assert catalog.list_categories() == [
        Category(slug="mugs", name="Mugs"),
        Category(slug="teas", name="Teas"),
    ]
