from decimal import Decimal

import pytest

from modules.catalog.models import Product

pytestmark = pytest.mark.django_db


def test_product_changelist_searches_and_filters(admin_client, make_product):
    make_product("MUG-1", name="Blue Mug")
    make_product("POT-1", name="Teapot")
    response = admin_client.get("/admin/catalog/product/", {"q": "mug", "active__exact": "1"})
    assert response.status_code == 200
    assert [p.sku for p in response.context["cl"].result_list] == ["MUG-1"]


def test_product_changelist_edits_price_and_active_in_place(admin_client, make_product):
    product = make_product("MUG-1", price=Decimal("5.00"))
    response = admin_client.post(
        "/admin/catalog/product/",
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": str(product.pk),
            "form-0-price": "6.50",
            "_save": "Save",
        },
    )
    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.price, product.active) == (Decimal("6.50"), False)


def test_withdraw_action(admin_client, make_product):
    make_product("A")
    make_product("B")
    response = admin_client.post(
        "/admin/catalog/product/",
        {"action": "deactivate", "_selected_action": [p.pk for p in Product.objects.all()]},
    )
    assert response.status_code == 302
    assert not Product.objects.filter(active=True).exists()


def test_category_changelist_counts_products(admin_client, make_product, mugs):
    make_product("A")
    response = admin_client.get("/admin/catalog/category/")
    assert response.status_code == 200
    assert response.context["cl"].result_list[0].product_count == 1
