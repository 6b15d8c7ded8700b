"""Catalog DTOs and domain errors: what crosses the module boundary."""

from __future__ import annotations

from decimal import Decimal

import msgspec

from modkit.errors import NotFound


class Category(msgspec.Struct, frozen=True, kw_only=True):
    """A group of products, identified by its ``slug``."""

    slug: str
    name: str


class Product(msgspec.Struct, frozen=True, kw_only=True):
    """A product and its current price.

    ``price`` is per unit in ``currency`` (ISO 4217), two decimal places. ``category`` is the
    category's slug. ``active`` is false for a product withdrawn from sale: it can still be
    looked up (old orders name it) but must not be sold.
    """

    sku: str
    name: str
    description: str
    price: Decimal
    currency: str
    category: str
    active: bool


class UnknownProduct(NotFound):
    """No product has this sku. ``details["sku"]`` names it."""

    code = "unknown_product"
    default_message = "Unknown product."
