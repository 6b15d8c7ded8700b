"""The placing service's own checks: callers other than the API get the same rules."""

from __future__ import annotations

import pytest

from modules.orders import services
from modules.orders.contracts import InvalidOrder
from modules.orders.models import Order

from .conftest import ADDRESS

pytestmark = pytest.mark.django_db


@pytest.fixture
def tea(product):
    return product("TEA-1")


@pytest.mark.parametrize(
    ("overrides", "detail"),
    [
        ({"lines": []}, "lines"),
        ({"lines": [("TEA-1", 1)] * 51}, "lines"),
        ({"lines": [("TEA-1", 0)]}, "skus"),
        ({"lines": [("TEA-1", True)]}, "skus"),
        ({"lines": [("TEA-1", 1001)]}, "skus"),
        ({"lines": [("TEA-1", 1), ("TEA-1", 2)]}, "skus"),
        ({"shipping_address": {**ADDRESS, "city": " "}}, "shipping_address.city"),
        ({"shipping_address": {"name": "Ada"}}, "shipping_address.city"),
        ({"payment_token": ""}, "payment_token"),
    ],
)
def test_order_place_refuses_what_the_api_would(customer, tea, overrides, detail):
    arguments = {
        "customer_id": customer.id,
        "customer_email": customer.email,
        "lines": [("TEA-1", 1)],
        "shipping_address": ADDRESS,
        "payment_token": "tok_ok",
        **overrides,
    }

    with pytest.raises(InvalidOrder) as exc_info:
        services.order_place(**arguments)

    assert detail in exc_info.value.details
    assert not Order.objects.exists()


def test_order_place_keeps_only_the_known_address_fields(customer, tea):
    order, created = services.order_place(
        customer_id=customer.id,
        customer_email=customer.email,
        lines=[("TEA-1", 1)],
        shipping_address={**ADDRESS, "comment": "<script>"},
        payment_token="tok_ok",
    )

    assert created
    assert order.shipping_address == ADDRESS


def test_the_fingerprint_ignores_key_order_but_not_content(customer, tea):
    def place(address, qty=1):
        return services.order_place(
            customer_id=customer.id,
            customer_email=customer.email,
            lines=[("TEA-1", qty)],
            shipping_address=address,
            payment_token="tok_ok",
            idempotency_key="k",
        )

    first, _ = place(ADDRESS)
    again, created = place(dict(reversed(list(ADDRESS.items()))))

    assert (again.pk, created) == (first.pk, False)
