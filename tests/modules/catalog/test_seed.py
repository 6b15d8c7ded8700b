import io

import pytest

from modules.catalog.models import Category, Product
from modules.catalog.seed import PRODUCTS, seed

pytestmark = pytest.mark.django_db


def run_seed():
    out = io.StringIO()
    seed(stdout=out)
    return out.getvalue()


def test_seed_creates_a_demo_catalog_and_stocks_every_product(fake_inventory):
    output = run_seed()
    assert Category.objects.count() >= 5
    assert Product.objects.filter(active=True).count() >= 40
    assert {sku for sku, _, _ in fake_inventory.adjustments} == set(
        Product.objects.values_list("sku", flat=True)
    )
    assert all(delta > 0 and reason == "seed" for _, delta, reason in fake_inventory.adjustments)
    assert "catalog:" in output


def test_seed_prices_are_positive_with_two_decimals(fake_inventory):
    run_seed()
    for price in Product.objects.values_list("price", flat=True):
        assert price > 0
        assert price.as_tuple().exponent == -2


def test_seed_twice_adds_nothing(fake_inventory):
    run_seed()
    before = (Category.objects.count(), Product.objects.count(), len(fake_inventory.adjustments))
    run_seed()
    after = (Category.objects.count(), Product.objects.count(), len(fake_inventory.adjustments))
    assert after == before


def test_seed_stocks_only_the_skus_inventory_does_not_know(fake_inventory):
    known = PRODUCTS[0][0]
    fake_inventory.available = {known: 0}
    run_seed()
    adjusted = [sku for sku, _, _ in fake_inventory.adjustments]
    assert known not in adjusted
    assert len(adjusted) == len(PRODUCTS) - 1


def test_seed_keeps_the_catalog_when_inventory_is_down(fake_inventory):
    fake_inventory.unavailable = True
    output = run_seed()
    assert Product.objects.count() == len(PRODUCTS)
    assert "inventory unavailable" in output
