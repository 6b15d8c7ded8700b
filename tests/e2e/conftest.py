"""Fixtures of the shop's end-to-end tests: a database, a Redis database and the shop's processes
of the test's own (tests/e2e/shop.py). None of them uses pytest-django's ``db``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.modkit.events.stack import Database

from .shop import (
    ServerErrors,
    ShopRedisBroker,
    ShopStack,
    database_from_template,
    redis_server,
    shop_redis_broker,
    shop_stack,
    template_database,
)


@pytest.fixture(scope="session")
def shop_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """Migrated, seeded and stocked once per pytest process; each test gets a copy."""
    with template_database(tmp_path_factory.mktemp("e2e-template")) as template:
        yield template


@pytest.fixture
def shop_database(shop_template: Database) -> Iterator[Database]:
    with database_from_template(shop_template) as database:
        yield database


@pytest.fixture(scope="session")
def shop_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``host:port`` of a Redis server with databases 20-25 (see ``shop.redis_server``)."""
    with redis_server(tmp_path_factory.mktemp("e2e-redis")) as server:
        yield server


@pytest.fixture
def shop_broker(shop_redis: str) -> Iterator[ShopRedisBroker]:
    with shop_redis_broker(shop_redis) as broker:
        yield broker


@pytest.fixture
def shop(tmp_path, shop_database: Database, shop_broker: ShopRedisBroker) -> Iterator[ShopStack]:
    """The shop running: gunicorn, the relay, a worker for the modules' queues and one for
    ``notifications`` alone."""
    with shop_stack(tmp_path, shop_database, shop_broker) as stack:
        yield stack


@pytest.fixture
def server_errors(shop: ShopStack) -> Iterator[ServerErrors]:
    """Every 5xx the test's clients saw; the test fails if there was any."""
    errors = ServerErrors()
    yield errors
    assert not errors.seen, "server errors:\n" + "\n".join(errors.seen) + "\n" + shop.report()
