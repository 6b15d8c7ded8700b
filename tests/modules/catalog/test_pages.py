"""The product page's cache (modules/catalog/pages.py): kept briefly, forgotten on any change."""

from decimal import Decimal

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from modkit.testing import assert_error_shape
from modules.catalog import services
from modules.catalog.models import Product

pytestmark = pytest.mark.django_db(transaction=True)

PAGE = "/api/v1/catalog/products/MUG-1/"


@pytest.fixture
def client():
    return APIClient(raise_request_exception=False)


@pytest.fixture
def mug(make_product, fake_inventory):
    fake_inventory.available = {"MUG-1": 5}
    return make_product("MUG-1", price=Decimal("4.00"))


def page(client):
    response = client.get(PAGE)
    assert response.status_code == 200, response.content
    return response.json()


def test_a_kept_page_is_served_without_the_database_or_inventory(
    client, mug, fake_inventory, django_assert_num_queries, settings
):
    settings.CATALOG_PAGE_CACHE_SECONDS = 60  # kept for the whole test, however slow the machine
    first = page(client)
    fake_inventory.available = {"MUG-1": 1}  # inventory is not asked again while kept
    with django_assert_num_queries(0):
        assert page(client) == first
    assert first["available"] == 5


def test_stock_shows_once_the_page_expires(client, mug, fake_inventory, settings):
    settings.CATALOG_PAGE_CACHE_SECONDS = 0.2
    assert page(client)["available"] == 5
    fake_inventory.available = {"MUG-1": 2}
    import time

    time.sleep(0.3)
    assert page(client)["available"] == 2


def test_a_saved_product_is_shown_at_once(client, mug):
    assert page(client)["price"] == "4.00"
    mug.price = Decimal("6.50")
    mug.save()
    assert page(client)["price"] == "6.50"


def test_a_page_kept_by_a_reader_during_the_transaction_is_forgotten_at_commit(client, mug):
    from modules.catalog import pages

    stale = page(client)
    with transaction.atomic():
        mug.name = "Big mug"
        mug.save()
        pages.keep("MUG-1", stale)  # another process read the old row before this commit
        assert pages.get("MUG-1") == stale
    assert page(client)["name"] == "Big mug"


def test_a_withdrawn_product_is_404_at_once(client, mug):
    page(client)
    assert services.product_set_active(products=Product.objects.filter(pk=mug.pk), active=False)
    assert_error_shape(client.get(PAGE), 404, "unknown_product")


def test_a_renamed_category_is_shown_at_once(client, mug, mugs):
    assert page(client)["category"] == "mugs"
    mugs.slug = "cups"
    mugs.save()
    assert page(client)["category"] == "cups"


def test_a_deleted_product_is_404_at_once(client, mug):
    page(client)
    mug.delete()
    assert_error_shape(client.get(PAGE), 404, "unknown_product")


def test_a_page_without_availability_is_not_kept(client, mug, fake_inventory):
    fake_inventory.unavailable = True
    assert page(client)["available"] is None
    fake_inventory.unavailable = False
    assert page(client)["available"] == 5


def test_zero_seconds_keeps_nothing(client, mug, fake_inventory, settings):
    settings.CATALOG_PAGE_CACHE_SECONDS = 0
    page(client)
    fake_inventory.available = {"MUG-1": 3}
    assert page(client)["available"] == 3


def test_an_unreachable_cache_neither_breaks_the_page_nor_catalog_writes(
    client, mug, monkeypatch, caplog
):
    from modules.catalog import pages

    def down(*args, **kwargs):
        raise ConnectionError("cache is down")

    for name in ("get", "set", "delete_many"):
        monkeypatch.setattr(pages.cache, name, down)
    assert page(client)["price"] == "4.00"
    mug.price = Decimal("5.00")
    mug.save()
    assert page(client)["price"] == "5.00"
    assert "product page cache unavailable" in caplog.text
    assert "could not forget product pages" in caplog.text
