from decimal import Decimal

import pytest

from modules.catalog import selectors
from modules.catalog.contracts import UnknownProduct
from modules.catalog.models import Product

pytestmark = pytest.mark.django_db


def test_product_get_returns_the_product(make_product):
    make_product("MUG-1", price=Decimal("12.50"))
    assert selectors.product_get(sku="MUG-1").price == Decimal("12.50")


def test_product_get_raises_unknown_product_naming_the_sku():
    with pytest.raises(UnknownProduct) as info:
        selectors.product_get(sku="NOPE")
    assert info.value.details == {"sku": "NOPE"}


def test_product_get_finds_an_inactive_product_unless_only_active_ones_are_asked(make_product):
    make_product("OLD-1", active=False)
    assert selectors.product_get(sku="OLD-1").active is False
    with pytest.raises(UnknownProduct):
        selectors.product_get(sku="OLD-1", active_only=True)


def test_product_map_leaves_out_unknown_skus(make_product):
    make_product("A")
    make_product("B")
    assert set(selectors.product_map(skus=["B", "A", "ZZZ"])) == {"A", "B"}


def test_product_list_active_leaves_out_inactive_products_and_orders_by_sku(make_product):
    for sku in ("C", "A", "B"):
        make_product(sku)
    make_product("AA", active=False)
    assert [p.sku for p in selectors.product_list_active()] == ["A", "B", "C"]


def _filtered(**params):
    return [p.sku for p in selectors.ProductFilter(params, selectors.product_list_active()).qs]


def test_search_matches_name_or_description_ignoring_case(make_product):
    make_product("A", name="Stoneware Mug")
    make_product("B", name="Teapot", description="Pairs well with a MUG")
    make_product("C", name="Kettle")
    assert _filtered(search="mug") == ["A", "B"]


def test_blank_search_filters_nothing(make_product):
    make_product("A")
    make_product("B")
    assert _filtered(search="  ") == ["A", "B"]


def test_category_filter_takes_a_slug(make_product, teas):
    make_product("A")
    make_product("B", category=teas)
    assert _filtered(category="teas") == ["B"]
    assert _filtered(category="no-such-category") == []


def test_availability_comes_from_inventory_in_one_call(fake_inventory):
    fake_inventory.available = {"A": 3, "B": 0}
    assert selectors.product_availability(skus=["A", "B", "C"]) == {"A": 3, "B": 0, "C": 0}
    assert fake_inventory.availability_calls == [["A", "B", "C"]]


def test_availability_is_none_when_inventory_is_unavailable(fake_inventory):
    fake_inventory.unavailable = True
    assert selectors.product_availability(skus=["A"]) is None


def test_availability_of_no_skus_does_not_call_inventory(fake_inventory):
    assert selectors.product_availability(skus=[]) == {}
    assert fake_inventory.availability_calls == []


def test_products_are_ordered_by_sku_by_default(make_product):
    make_product("B")
    make_product("A")
    assert [p.sku for p in Product.objects.all()] == ["A", "B"]
