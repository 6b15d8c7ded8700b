"""The catalog's public REST API (CONTRACT §5)."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from modkit.testing import assert_error_shape

pytestmark = pytest.mark.django_db

PRODUCTS = "/api/v1/catalog/products/"
CATEGORIES = "/api/v1/catalog/categories/"


@pytest.fixture
def client():
    return APIClient(raise_request_exception=False)


def skus(response):
    assert response.status_code == 200, response.content
    return [p["sku"] for p in response.json()["results"]]


def test_product_list_shows_each_field(client, fake_inventory, make_product):
    make_product("MUG-1", name="Mug", description="Blue mug", price=Decimal("12.50"))
    fake_inventory.available = {"MUG-1": 7}
    body = client.get(PRODUCTS).json()
    assert body == {
        "count": 1,
        "next": None,
        "previous": None,
        "results": [
            {
                "sku": "MUG-1",
                "name": "Mug",
                "description": "Blue mug",
                "price": "12.50",
                "currency": "USD",
                "category": "mugs",
                "available": 7,
            }
        ],
    }


def test_product_list_asks_inventory_once_for_the_page_only(client, fake_inventory, make_product):
    for sku in ("A", "B", "C", "D"):
        make_product(sku)
    fake_inventory.available = {"B": 2, "C": 5}
    results = client.get(PRODUCTS, {"limit": 2, "offset": 1}).json()["results"]
    assert [(p["sku"], p["available"]) for p in results] == [("B", 2), ("C", 5)]
    assert fake_inventory.availability_calls == [["B", "C"]]


def test_product_without_stock_is_available_zero(client, fake_inventory, make_product):
    make_product("A")
    assert client.get(PRODUCTS).json()["results"][0]["available"] == 0


def test_product_list_degrades_to_null_availability_when_inventory_is_down(
    client, fake_inventory, make_product
):
    make_product("A")
    fake_inventory.unavailable = True
    response = client.get(PRODUCTS)
    assert response.status_code == 200
    assert response.json()["results"][0]["available"] is None


def test_product_list_shows_only_active_products_by_sku(client, fake_inventory, make_product):
    for sku in ("C", "A", "B"):
        make_product(sku)
    make_product("AB", active=False)
    assert skus(client.get(PRODUCTS)) == ["A", "B", "C"]


def test_product_list_search_and_category(client, fake_inventory, make_product, teas):
    make_product("A", name="Stoneware MUG")
    make_product("B", name="Teapot", description="a mug's best friend", category=teas)
    make_product("C", name="Kettle", category=teas)
    assert skus(client.get(PRODUCTS, {"search": "Mug"})) == ["A", "B"]
    assert skus(client.get(PRODUCTS, {"category": "teas"})) == ["B", "C"]
    assert skus(client.get(PRODUCTS, {"search": "mug", "category": "teas"})) == ["B"]
    assert skus(client.get(PRODUCTS, {"category": "nothing-here"})) == []


def test_product_list_pages_with_limit_and_offset(client, fake_inventory, make_product):
    for i in range(5):
        make_product(f"P{i}")
    body = client.get(PRODUCTS, {"limit": 2, "offset": 2}).json()
    assert body["count"] == 5
    assert [p["sku"] for p in body["results"]] == ["P2", "P3"]
    assert "offset=4" in body["next"]
    assert body["previous"] is not None


@pytest.mark.parametrize(
    "params",
    [{"limit": "abc"}, {"limit": "-1"}, {"limit": "0"}, {"offset": "-5"}, {"offset": "x"}],
)
def test_product_list_rejects_bad_paging_values(client, fake_inventory, params):
    err = assert_error_shape(client.get(PRODUCTS, params), 400, "validation_error")
    assert set(err["details"]) == set(params)


def test_product_list_refuses_writes(client, fake_inventory):
    assert_error_shape(client.post(PRODUCTS, {}, format="json"), 405, "method_not_allowed")


def test_product_detail(client, fake_inventory, make_product):
    make_product("MUG-1", name="Mug", price=Decimal("3.00"))
    fake_inventory.available = {"MUG-1": 4}
    response = client.get(f"{PRODUCTS}MUG-1/")
    assert response.status_code == 200
    assert response.json() == {
        "sku": "MUG-1",
        "name": "Mug",
        "description": "",
        "price": "3.00",
        "currency": "USD",
        "category": "mugs",
        "available": 4,
    }


def test_product_detail_degrades_when_inventory_is_down(client, fake_inventory, make_product):
    make_product("MUG-1")
    fake_inventory.unavailable = True
    assert client.get(f"{PRODUCTS}MUG-1/").json()["available"] is None


def test_product_detail_of_an_unknown_sku_is_404(client, fake_inventory):
    err = assert_error_shape(client.get(f"{PRODUCTS}NOPE/"), 404, "unknown_product")
    assert err["details"] == {"sku": "NOPE"}


def test_product_detail_of_an_inactive_product_is_404(client, fake_inventory, make_product):
    make_product("OLD-1", active=False)
    assert_error_shape(client.get(f"{PRODUCTS}OLD-1/"), 404, "unknown_product")


def test_product_detail_refuses_writes(client, fake_inventory, make_product):
    make_product("MUG-1")
    assert_error_shape(client.delete(f"{PRODUCTS}MUG-1/"), 405, "method_not_allowed")


def test_category_list(client, mugs, teas):
    body = client.get(CATEGORIES).json()
    assert body["count"] == 2
    assert body["results"] == [{"slug": "mugs", "name": "Mugs"}, {"slug": "teas", "name": "Teas"}]


def test_category_list_pages(client, mugs, teas):
    assert client.get(CATEGORIES, {"limit": 1, "offset": 1}).json()["results"] == [
        {"slug": "teas", "name": "Teas"}
    ]
    assert_error_shape(client.get(CATEGORIES, {"limit": "abc"}), 400, "validation_error")


def test_category_list_refuses_writes(client, db):
    assert_error_shape(client.post(CATEGORIES, {}, format="json"), 405, "method_not_allowed")


def test_product_list_degrades_when_inventory_is_not_hosted(client, settings, make_product):
    make_product("A")
    settings.MODKIT_HOSTED = tuple(m for m in settings.MODKIT_HOSTED if m != "inventory")
    response = client.get(PRODUCTS)
    assert response.status_code == 200
    assert response.json()["results"][0]["available"] is None
