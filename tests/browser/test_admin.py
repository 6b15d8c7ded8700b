"""Shop staff at work, in a real browser against the real process group (docs/shop.md, the admin).

Customers place orders through the public API; staff find them in the admin, cancel one with a
refund (its stock comes back) and ship another (the order follows shipping's event). Each step
is checked on the page's text; screenshots of the key steps land in the test's tmp dir.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from tests.deploy.processes import Started

from .shop import ADMIN_PASSWORD, ADMIN_USER, Page, ShopApi, expect, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.timeout(600)]


def status_on_page(page: Page) -> str:
    """The order's status as its (read-only) admin page shows it."""
    return page.locator(".field-status .readonly").inner_text().strip()


def reload_until(page: Page, what: str, shown: Callable[[Page], bool], timeout: float = 90) -> None:
    """Reload ``page`` until ``shown(page)`` holds: the saga runs in the background."""

    def check() -> bool:
        page.reload()
        return bool(shown(page))

    wait_for(what, check, timeout=timeout, every=1.0)


def open_order_from_search(page: Page, email: str, order_id: str) -> None:
    """The orders list, searched by the customer's email, then the order's page."""
    page.goto("/admin/orders/order/")
    page.fill("#searchbar", email)
    page.press("#searchbar", "Enter")
    page.wait_for_url(re.compile(r"/admin/orders/order/\?q="))
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(email)
    expect(rows.first).to_contain_text("paid")
    page.get_by_role("link", name=order_id[:8]).click()
    page.wait_for_url(re.compile(rf"/admin/orders/order/{order_id}/change/"))


def test_staff_log_in_through_the_login_form(page: Page, shot) -> None:
    page.goto("/admin/")
    expect(page.locator("#login-form")).to_be_visible()
    page.fill("#id_username", ADMIN_USER)
    page.fill("#id_password", "not-the-password")
    page.click("input[type=submit]")
    expect(page.locator(".errornote")).to_contain_text("Please enter the correct username")

    page.fill("#id_username", ADMIN_USER)
    page.fill("#id_password", ADMIN_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    expect(page.locator("#site-name")).to_contain_text("modkit shop administration")
    expect(page.locator("#user-tools")).to_contain_text(ADMIN_USER)
    content = page.locator("#content")
    for section in ("Orders", "Shipments", "Stock items", "Shop dashboard"):
        expect(content).to_contain_text(section, ignore_case=True)
    shot(page, "admin-home")


def test_cancel_with_refund_puts_the_stock_back(
    admin_page: Page, api: ShopApi, shop: Started, shot
) -> None:
    page, sku = admin_page, "COF-BEAN-01"
    customer = api.register_customer()
    before = api.available(sku)
    assert before >= 2, f"{sku} has {before} available"
    order = api.paid_order(customer, sku, quantity=2)
    assert api.available(sku) == before - 2

    open_order_from_search(page, customer.email, order["id"])
    assert status_on_page(page) == "paid"
    expect(page.locator(".field-customer_email")).to_contain_text(customer.email)
    expect(page.locator(".field-payment")).to_contain_text("authorized")
    expect(page.locator("#content")).to_contain_text(sku)
    shot(page, "paid-order")

    page.click("input[name=run_cancel_with_refund]")
    expect(page.locator("h1")).to_have_text("Cancel orders with refund")
    expect(page.locator("#orders-to-cancel")).to_contain_text(order["id"])
    page.select_option("#id_reason", "customer_request")
    page.fill("#id_note", "phoned in (browser test)")
    shot(page, "cancel-confirmation")
    page.click("input[value='Yes, cancel with refund']")

    page.wait_for_url(re.compile(rf"/admin/orders/order/{order['id']}/change/"))
    expect(page.locator("ul.messagelist")).to_contain_text(
        f"Order {order['id'][:8]} cancelled (customer_request)"
    )
    assert status_on_page(page) == "cancelled"
    expect(page.locator(".field-cancel_reason")).to_contain_text("customer request")
    expect(page.locator("#content")).to_contain_text("phoned in (browser test)")
    shot(page, "cancelled-order")

    # The compensation: the stock is on sale again, the payment refunded.
    wait_for(f"{sku} available back to {before}", lambda: api.available(sku) == before)
    reload_until(
        page,
        "the refund on the order page",
        lambda p: "refunded" in p.locator(".field-payment").inner_text(),
    )
    shot(page, "refunded-order")
    seen = api.order(customer, order["id"])
    assert (seen["status"], seen["cancel_reason"]) == ("cancelled", "customer_request")

    page.goto(f"/admin/inventory/stockitem/?q={sku}")
    row = page.locator("#result_list tbody tr", has_text=sku)
    expect(row).to_have_count(1)
    expect(row.locator("td.field-available")).to_have_text(str(before))
    expect(row.locator("td.field-reserved")).to_have_text("0")
    shot(page, "stock-back")


def test_marking_the_shipment_shipped_ships_the_order(
    admin_page: Page, api: ShopApi, shop: Started, shot
) -> None:
    page, sku = admin_page, "OFF-NTB-01"
    customer = api.register_customer()
    order = api.paid_order(customer, sku, quantity=1)
    order_id = order["id"]
    shipment = wait_for(
        f"the pending shipment of order {order_id}",
        lambda: [s for s in api.shipments(customer, order_id) if s["status"] == "pending"],
    )[0]

    page.goto(f"/admin/shipping/shipment/?q={order_id}")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("pending")
    rows.first.locator("input.action-select").check()
    page.select_option("select[name=action]", "mark_shipped")
    shot(page, "shipment-selected")
    page.click("button[name=index]")

    messages = page.locator("ul.messagelist")
    expect(messages).to_contain_text(f"Order {order_id}: shipped (tracking number ")
    expect(page.locator("#result_list tbody tr").first).to_contain_text("shipped")
    tracking = re.search(r"tracking number ([^)\s]+)\)", messages.inner_text())
    assert tracking, messages.inner_text()
    shot(page, "shipment-shipped")

    page.goto(f"/admin/orders/order/{order_id}/change/")
    reload_until(page, "the order page to read shipped", lambda p: status_on_page(p) == "shipped")
    shipments = page.locator(".field-shipments")
    expect(shipments).to_contain_text(shipment["id"])
    expect(shipments).to_contain_text(tracking.group(1))
    expect(page.locator("#content")).to_contain_text(f"tracking {tracking.group(1)}")
    shot(page, "shipped-order")
    assert api.order(customer, order_id)["status"] == "shipped"
