"""GET /api/v1/inventory/stock/{sku}/"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from modules.inventory.interface import inventory
from modules.inventory.models import Reservation

pytestmark = pytest.mark.django_db

URL = "/api/v1/inventory/stock/{}/"


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def test_stock_of_a_known_sku(api, stock, order_id) -> None:
    stock("A-1", 5)
    inventory.reserve(order_id=order_id, lines=[_line("A-1", 2)])

    response = api.get(URL.format("A-1"))

    assert response.status_code == 200
    assert response.json() == {"sku": "A-1", "on_hand": 5, "reserved": 2, "available": 3}


def test_stock_of_an_unknown_sku_is_404_in_the_error_shape(api) -> None:
    response = api.get(URL.format("NOPE"))

    assert response.status_code == 404
    assert response.json() == {
        "error": {
            "code": "unknown_sku",
            "message": "No stock is kept for NOPE.",
            "details": {"skus": ["NOPE"]},
        }
    }


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_writing_stock_is_405_in_the_error_shape(api, stock, method) -> None:
    stock("A-1", 5)

    response = getattr(api, method)(URL.format("A-1"), {"on_hand": 0}, format="json")

    assert response.status_code == 405
    body = response.json()
    assert body["error"]["code"] == "method_not_allowed"
    assert set(body["error"]) == {"code", "message", "details"}
    assert inventory.get_stock(sku="A-1").on_hand == 5
    assert not Reservation.objects.exists()


def test_stock_endpoint_needs_no_login(api, stock) -> None:
    stock("A-1", 1)

    response = api.get(URL.format("A-1"), HTTP_AUTHORIZATION="")

    assert response.status_code == 200


def _line(sku: str, quantity: int):
    from modules.inventory.contracts import ReserveLine

    return ReserveLine(sku=sku, quantity=quantity)
