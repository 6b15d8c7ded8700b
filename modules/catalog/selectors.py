"""Catalog reads."""

from __future__ import annotations

import logging
from collections.abc import Iterable

import django_filters
from django.db.models import Q, QuerySet

from modkit.errors import ModuleUnavailable
from modules.inventory.interface import inventory

from .contracts import UnknownProduct
from .models import Category, Product

logger = logging.getLogger(__name__)


class ProductFilter(django_filters.FilterSet):
    """The product list's query parameters: ``search`` (name or description) and ``category``."""

    search = django_filters.CharFilter(
        method="filter_search", label="Case-insensitive text in the name or the description."
    )
    category = django_filters.CharFilter(field_name="category__slug", label="A category slug.")

    class Meta:
        model = Product
        fields = ["search", "category"]

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(description__icontains=value))


def product_get(*, sku: str, active_only: bool = False) -> Product:
    """The product with ``sku``; raises ``UnknownProduct`` (also for an inactive one if asked)."""
    products = Product.objects.select_related("category")
    if active_only:
        products = products.filter(active=True)
    try:
        return products.get(sku=sku)
    except Product.DoesNotExist:
        raise UnknownProduct(f"Unknown product {sku!r}.", details={"sku": sku}) from None


def product_map(*, skus: Iterable[str]) -> dict[str, Product]:
    """The existing products among ``skus``, by sku, in one query."""
    products = Product.objects.select_related("category").filter(sku__in=set(skus))
    return {p.sku: p for p in products}


def product_list_active() -> QuerySet[Product]:
    """Products for sale, ordered by sku (a stable order for pagination)."""
    return Product.objects.select_related("category").filter(active=True).order_by("sku")


def category_list() -> QuerySet[Category]:
    return Category.objects.order_by("name", "slug")


def product_availability(*, skus: list[str]) -> dict[str, int] | None:
    """Units available per sku (0 where inventory keeps no stock) in one inventory call.

    ``None`` when inventory is unavailable: the catalog still answers, without availability.
    """
    if not skus:
        return {}
    try:
        available = inventory.get_availability(skus=skus)
    except ModuleUnavailable as exc:
        logger.warning("catalog: availability unknown, inventory unavailable: %s", exc)
        return None
    return {sku: available.get(sku, 0) for sku in skus}
