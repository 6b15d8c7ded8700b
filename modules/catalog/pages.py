"""The product page's cache: a page served many times a second is built once per few seconds.

``GET /api/v1/catalog/products/<sku>/`` keeps its response data in the default cache for
``CATALOG_PAGE_CACHE_SECONDS`` (2 by default; 0 turns the cache off). A change to a product or
its category through the catalog's services, the admin or the ORM forgets that product's page at
once (again when the transaction commits); the stock figure, ``available``, is inventory's and
may lag by up to those seconds (a reservation, not the page, decides whether an order gets the
stock). A page without availability (inventory unreachable) is not kept. With the in-process
default cache each web process keeps its own pages: set ``CACHE_URL=redis://…`` with several.
A cache that cannot be reached is logged and skipped: pages are built from the database, and
catalog writes still succeed (a page kept before then lives out its few seconds).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from modkit.db import database_of

logger = logging.getLogger(__name__)


def _seconds() -> float:
    return float(getattr(settings, "CATALOG_PAGE_CACHE_SECONDS", 2))


def _key(sku: str) -> str:
    # Hashed: the path's sku may be anything a client sends, and keys must suit any backend.
    return "catalog:product-page:" + hashlib.blake2b(sku.encode(), digest_size=16).hexdigest()


def get(sku: str) -> dict[str, Any] | None:
    """The kept page data of ``sku``, or None (also when the cache cannot be reached)."""
    if _seconds() <= 0:
        return None
    try:
        return cache.get(_key(sku))
    except Exception as exc:  # the page is built from the database instead
        logger.warning("catalog: product page cache unavailable: %s", exc)
        return None


def keep(sku: str, data: dict[str, Any]) -> None:
    seconds = _seconds()
    if seconds > 0 and data.get("available") is not None:
        try:
            cache.set(_key(sku), data, seconds)
        except Exception as exc:
            logger.warning("catalog: product page cache unavailable: %s", exc)


def _delete(keys: list[str]) -> None:
    try:
        cache.delete_many(keys)
    except Exception as exc:  # a kept page then lives out its few seconds
        logger.warning("catalog: could not forget product pages: %s", exc)


def forget(skus: Iterable[str]) -> None:
    """Drop the pages of ``skus`` now and after the current transaction commits (a request that
    read the old rows before the commit may have kept them again in between)."""
    keys = [_key(sku) for sku in skus]
    if not keys:
        return
    _delete(keys)
    transaction.on_commit(lambda: _delete(keys), using=database_of("catalog"))
