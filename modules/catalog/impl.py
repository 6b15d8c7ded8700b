"""The local implementation of ``CatalogService``: the one place models become DTOs."""

from __future__ import annotations

from . import contracts, selectors
from .interface import CatalogService
from .models import Category, Product


def _product(product: Product) -> contracts.Product:
    return contracts.Product(
        sku=product.sku,
        name=product.name,
        description=product.description,
        price=product.price,
        currency=product.currency,
        category=product.category.slug,
        active=product.active,
    )


def _category(category: Category) -> contracts.Category:
    return contracts.Category(slug=category.slug, name=category.name)


class CatalogServiceImpl(CatalogService):
    def get_product(self, *, sku: str) -> contracts.Product:
        return _product(selectors.product_get(sku=sku))

    def get_products(self, *, skus: list[str]) -> list[contracts.Product]:
        found = selectors.product_map(skus=skus)
        return [_product(found[sku]) for sku in dict.fromkeys(skus) if sku in found]

    def list_categories(self) -> list[contracts.Category]:
        return [_category(c) for c in selectors.category_list()]
