"""The product page's cache: a page served many times a second is built once per few seconds.

``GET /api/v1/catalog/products/<sku>/`` keeps its response data in the default cache for
``CATALOG_PAGE_CACHE_SECONDS`` (2 by default; 0 turns the cache off). A change to a product or
its category through the catalog's services, the admin or the ORM forgets that product's page at
once (again when the transaction commits); the stock figure, ``available``, is inventory's and
may lag by up to those seconds (a reservation, not the page, decides whether an order gets the
stock). A page without availability (inventory unreachable) is not kept. With the in-process
default cache each web process keeps its own pages: set ``CACHE_URL=redis://…`` with several.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from modkit.db import database_of


def _seconds() -> float:
    return float(getattr(settings, "CATALOG_PAGE_CACHE_SECONDS", 2))


def _key(sku: str) -> str:
    # Hashed: the path's sku may be anything a client sends, and keys must suit any backend.
    return "catalog:product-page:" + hashlib.blake2b(sku.encode(), digest_size=16).hexdigest()


def get(sku: str) -> dict[str, Any] | None:
    """The kept page data of ``sku``, or None."""
    return cache.get(_key(sku)) if _seconds() > 0 else None


def keep(sku: str, data: dict[str, Any]) -> None:
    seconds = _seconds()
    if seconds > 0 and data.get("available") is not None:
        cache.set(_key(sku), data, seconds)


def forget(skus: Iterable[str]) -> None:
    """Drop the pages of ``skus`` now and after the current transaction commits (a request that
    read the old rows before the commit may have kept them again in between)."""
    keys = [_key(sku) for sku in skus]
    if not keys:
        return
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys), using=database_of("catalog"))
