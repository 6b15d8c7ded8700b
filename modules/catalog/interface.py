"""The catalog module's public interface and its delegate, ``catalog``."""

from __future__ import annotations

from modkit.interfaces import Interface, delegate, operation

from .contracts import Category, Product


class CatalogService(Interface):
    """Products, their prices and their categories."""

    module = "catalog"

    @operation(idempotent=True)
    def get_product(self, *, sku: str) -> Product:
        """One product by sku, whether active or not (check ``active`` before selling it).

        Raises ``UnknownProduct``.
        """
        raise NotImplementedError

    @operation(idempotent=True)
    def get_products(self, *, skus: list[str]) -> list[Product]:
        """The products among ``skus`` that exist, active or not, in request order, each once.

        Unknown skus are left out (no error): compare the returned skus with the asked ones to
        find them. One query whatever the number of skus: use it to price many lines at once.
        """
        raise NotImplementedError

    @operation(idempotent=True)
    def list_categories(self) -> list[Category]:
        """Every category, ordered by name."""
        raise NotImplementedError


catalog = delegate(CatalogService)
