from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from modules.catalog import services
from modules.catalog.models import Category, Product

pytestmark = pytest.mark.django_db


def test_category_get_or_create_creates_once_and_keeps_the_existing_name():
    first, created = services.category_get_or_create(slug="mugs", name="Mugs")
    again, created_again = services.category_get_or_create(slug="mugs", name="Renamed")
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert Category.objects.get().name == "Mugs"


def test_category_get_or_create_rejects_a_bad_slug():
    with pytest.raises(ValidationError):
        services.category_get_or_create(slug="not a slug!", name="Bad")
    assert not Category.objects.exists()


def test_product_get_or_create_creates_once_and_keeps_the_existing_price(mugs):
    product, created = services.product_get_or_create(
        sku="MUG-1", name="Mug", price=Decimal("12.50"), category=mugs
    )
    assert created
    assert (product.currency, product.active) == ("USD", True)
    _, created_again = services.product_get_or_create(
        sku="MUG-1", name="Mug", price=Decimal("99.00"), category=mugs
    )
    assert not created_again
    assert Product.objects.get().price == Decimal("12.50")


@pytest.mark.parametrize(
    ("field", "value"),
    [("price", Decimal("-0.01")), ("price", Decimal("1.234")), ("currency", "usd")],
)
def test_product_get_or_create_validates_before_saving(mugs, field, value):
    fields = {"sku": "X", "name": "X", "price": Decimal("1.00"), "category": mugs, field: value}
    with pytest.raises(ValidationError) as info:
        services.product_get_or_create(**fields)
    assert field in info.value.message_dict
    assert not Product.objects.exists()


def test_the_database_refuses_a_negative_price(mugs):
    with pytest.raises(IntegrityError):
        Product.objects.create(sku="X", name="X", price=Decimal("-1.00"), category=mugs)


def test_product_set_active_counts_only_the_products_it_changed(make_product):
    make_product("A", active=True)
    make_product("B", active=False)
    assert services.product_set_active(products=Product.objects.all(), active=False) == 1
    assert not Product.objects.filter(active=True).exists()
