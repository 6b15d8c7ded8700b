"""Catalog writes: each validates fully before saving."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import QuerySet

from . import pages
from .models import Category, Product


@transaction.atomic
def category_get_or_create(*, slug: str, name: str) -> tuple[Category, bool]:
    """The category with ``slug``, created with ``name`` if missing (an existing one is kept)."""
    category = Category.objects.filter(slug=slug).first()
    if category is not None:
        return category, False
    category = Category(slug=slug, name=name)
    category.full_clean()
    category.save()
    return category, True


@transaction.atomic
def product_get_or_create(
    *,
    sku: str,
    name: str,
    price: Decimal,
    category: Category,
    description: str = "",
    currency: str = "USD",
) -> tuple[Product, bool]:
    """The product with ``sku``, created from the arguments if missing (an existing one is kept).

    Raises ``django.core.exceptions.ValidationError`` for invalid values (negative price, bad
    currency code, ...).
    """
    product = Product.objects.filter(sku=sku).first()
    if product is not None:
        return product, False
    product = Product(
        sku=sku,
        name=name,
        description=description,
        price=price,
        currency=currency,
        category=category,
    )
    product.full_clean()
    product.save()
    return product, True


def product_set_active(*, products: QuerySet[Product], active: bool) -> int:
    """Put ``products`` on sale (``active=True``) or withdraw them; returns how many changed."""
    changing = products.exclude(active=active)
    with transaction.atomic(using=changing.db):
        skus = list(changing.values_list("sku", flat=True))
        count = changing.update(active=active)
        pages.forget(skus)  # now, and again once the update has committed
    return count
