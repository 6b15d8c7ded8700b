"""Fixtures of the browser tests: the real shop in a process group, chromium, a logged-in page.

``shop`` starts ``manage.py serve`` (gunicorn, a Celery worker, beat and the outbox relay on the
embedded SQLite + filesystem broker) against a private, freshly migrated and seeded database,
with a superuser whose password is known; it is shared by the tests of a module (per xdist
worker). The helpers (the API client, waiting, logging in) are in ``shop.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.deploy.processes import MANAGE, Started, embedded_env, free_port, run, started

from .shop import (
    ADMIN_PASSWORD,
    ADMIN_USER,
    CHROMIUM_ARGS,
    UI_TIMEOUT_MS,
    Browser,
    Page,
    ShopApi,
    log_in,
    require_chromium,
    sync_playwright,
)


@pytest.fixture(scope="module")
def chromium() -> Path:
    return require_chromium()


@pytest.fixture(scope="module")
def shop(chromium: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Started]:
    """The whole application (``manage.py serve``) on a free port, migrated and seeded."""
    home = tmp_path_factory.mktemp("browser-shop")
    env = embedded_env(
        home,
        home / "var",
        MODKIT_ADMIN_PASSWORD=ADMIN_PASSWORD,
        MODKIT_EVENTS_POLL_INTERVAL="0.2",
        DEBUG="false",
    )
    run([*MANAGE, "migrate", "--noinput"], env, timeout=300)
    seeded = run([*MANAGE, "seed"], env, timeout=300)
    assert f"user={ADMIN_USER} password={ADMIN_PASSWORD}" in seeded, seeded
    port = free_port()
    argv = [*MANAGE, "serve", "--port", str(port), "--workers", "2", "--concurrency", "1"]
    with started(argv, env) as process:
        process.base_url = f"http://127.0.0.1:{port}"
        process.wait_for_http(f"{process.base_url}/health/live/", timeout=120)
        process.wait_for_output(" ready.", timeout=120)  # the Celery worker consumes
        if "relay started, pid" not in process.output:
            process.fail("serve did not start the outbox relay: the saga would never run")
        yield process
        process.stop(timeout=60)


@pytest.fixture(scope="module")
def api(shop: Started) -> Iterator[ShopApi]:
    client = ShopApi(shop.base_url)
    yield client
    client.close()


@pytest.fixture(scope="module")
def browser(chromium: Path) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, shop: Started) -> Iterator[Page]:
    """A fresh browser context (no cookies) on the shop's base URL."""
    context = browser.new_context(base_url=shop.base_url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(UI_TIMEOUT_MS)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def shot(tmp_path: Path) -> Callable[[Page, str], Path]:
    """``shot(page, "name")`` saves a full-page screenshot into the test's tmp dir."""
    taken: list[str] = []

    def take(page: Page, name: str) -> Path:
        taken.append(name)
        path = tmp_path / f"{len(taken):02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def admin_page(page: Page) -> Page:
    """A page logged in to the admin as the superuser."""
    log_in(page)
    return page
