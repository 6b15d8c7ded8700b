"""The shop end to end, on the real stack: every process a subprocess (gunicorn, the relay, Celery
workers), PostgreSQL and Redis, driven over HTTP as customers drive it.

Each test has a copy of a migrated and seeded database, a Redis database and processes of its
own (tests/e2e/shop.py), so the tests are independent and run in parallel (pytest -n). Staff
actions (mark shipped, mark delivered) go through shipping's interface in
``manage.py shell -c``, as an operator's script would. Emails are counted in the files that
Django's filebased backend wrote in the workers, one directory per test.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from .shop import (
    BULK,
    RUSH,
    RUSH_STOCK,
    SUBJECT_CANCELLED,
    SUBJECT_PAID,
    SUBJECT_SHIPPED,
    WIDGET,
    WIDGET_STOCK,
    Customer,
    ServerErrors,
    ShopStack,
    stock,
    wait_for_order,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


def register(shop: ShopStack, errors: ServerErrors, count: int, label: str) -> list[Customer]:
    """``count`` customers registered and logged in over HTTP, a few at a time."""

    def one(i: int) -> Customer:
        return Customer.register(shop.base_url, errors, f"{label}{i}")

    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(one, range(count)))


def place(customer: Customer, sku: str, quantity: int = 1, token: str = "tok_ok") -> str:
    response = customer.place_order(sku, quantity, token)
    assert response.status_code == 201, response.text
    order = response.json()
    assert order["status"] == "pending", order
    return order["id"]


def wait_for_emails(shop: ShopStack, count: int, timeout: float = 180) -> list:
    shop.wait_until(f"{count} emails written", lambda: len(shop.emails()) >= count, timeout)
    return shop.emails()


def statuses(order: dict) -> list[str]:
    return [entry["status"] for entry in order["history"]]


def test_happy_path_paid_shipped_delivered(shop, server_errors):
    customer = Customer.register(shop.base_url, server_errors, "happy")
    order_id = place(customer, WIDGET, quantity=2)

    order = wait_for_order(shop, customer, order_id, "paid", "cancelled")
    assert order["status"] == "paid", order
    assert order["total"] == "39.98"
    assert order["lines"] == [{"sku": WIDGET, "name": WIDGET, "unit_price": "19.99", "quantity": 2}]
    shop.wait_until("shipping to create the shipment", lambda: customer.shipments(order_id), 120)
    (shipment,) = customer.shipments(order_id)
    assert shipment["order_id"] == order_id
    assert shipment["status"] == "pending"
    assert stock(customer.client, WIDGET) == {
        "sku": WIDGET,
        "on_hand": WIDGET_STOCK,
        "reserved": 2,
        "available": WIDGET_STOCK - 2,
    }

    tracking = shop.mark_shipped(order_id)
    order = wait_for_order(shop, customer, order_id, "shipped")
    (shipment,) = customer.shipments(order_id)
    assert (shipment["status"], shipment["tracking_number"]) == ("shipped", tracking)
    # The goods left the shelf: on hand down, the reservation consumed.
    assert stock(customer.client, WIDGET) == {
        "sku": WIDGET,
        "on_hand": WIDGET_STOCK - 2,
        "reserved": 0,
        "available": WIDGET_STOCK - 2,
    }

    shop.mark_delivered(order_id)
    order = wait_for_order(shop, customer, order_id, "delivered")
    assert statuses(order) == ["pending", "reserved", "paid", "shipped", "delivered"]
    assert order["cancel_reason"] is None
    assert shop.payment(order_id)["status"] == "authorized"

    shop.wait_quiet()
    emails = wait_for_emails(shop, 2)
    assert sorted((e.subject, e.to, e.order_id) for e in emails) == [
        (SUBJECT_SHIPPED, customer.email, order_id),
        (SUBJECT_PAID, customer.email, order_id),
    ]


def test_declined_payment_cancels_and_releases_the_stock(shop, server_errors):
    customer = Customer.register(shop.base_url, server_errors, "declined")
    order_id = place(customer, WIDGET, quantity=3, token="tok_declined")

    order = wait_for_order(shop, customer, order_id, "cancelled", "paid")
    assert (order["status"], order["cancel_reason"]) == ("cancelled", "payment_declined")
    assert statuses(order) == ["pending", "reserved", "cancelled"]
    shop.wait_quiet()
    assert stock(customer.client, WIDGET) == {
        "sku": WIDGET,
        "on_hand": WIDGET_STOCK,
        "reserved": 0,
        "available": WIDGET_STOCK,
    }
    assert shop.payment(order_id)["status"] == "declined"
    assert shop.gateway(order_id)["charges"] == [("declined", False)]
    # Shipping may keep a cancelled record of an order it never shipped; nothing else.
    assert all(s["status"] == "cancelled" for s in customer.shipments(order_id))
    emails = wait_for_emails(shop, 1)
    assert [(e.subject, e.to, e.order_id) for e in emails] == [
        (SUBJECT_CANCELLED, customer.email, order_id)
    ]


def test_flaky_gateway_is_retried_and_charges_once(shop, server_errors):
    customer = Customer.register(shop.base_url, server_errors, "flaky")
    order_id = place(customer, WIDGET, token="tok_flaky")

    order = wait_for_order(shop, customer, order_id, "paid", "cancelled")
    assert order["status"] == "paid", order
    assert statuses(order) == ["pending", "reserved", "paid"]
    payment = shop.payment(order_id)
    assert (payment["status"], payment["gateway_attempts"]) == ("authorized", 3), payment
    gateway = shop.gateway(order_id)
    assert gateway["charges"] == [("approved", False)], "charged exactly once"
    assert gateway["requests"] == [
        ("charge", "transient"),
        ("charge", "transient"),
        ("charge", "approved"),
    ]
    shop.wait_quiet()
    assert shop.gateway(order_id)["charges"] == [("approved", False)]


def test_100_customers_race_for_30_units(shop, server_errors):
    customers = register(shop, server_errors, 100, "rush")
    samples: list[dict] = []
    done = threading.Event()

    def watch_stock(observer: httpx.Client) -> None:  # the stock as anyone sees it meanwhile
        while not done.is_set():
            samples.append(stock(observer, RUSH))
            time.sleep(0.2)

    start = threading.Barrier(len(customers))

    def buy(customer: Customer) -> httpx.Response:
        start.wait(timeout=120)
        return customer.place_order(RUSH, 1)

    with httpx.Client(base_url=shop.base_url, timeout=60) as observer:
        watcher = threading.Thread(target=watch_stock, args=(observer,), daemon=True)
        watcher.start()
        try:
            with ThreadPoolExecutor(max_workers=len(customers)) as pool:
                responses = list(pool.map(buy, customers))
            assert [r.status_code for r in responses] == [201] * 100, [
                (r.status_code, r.text[:200]) for r in responses if r.status_code != 201
            ]
            shop.wait_until(
                "every order paid or cancelled", lambda: shop.unsettled_orders() == 0, 300
            )
            shop.wait_quiet()
        finally:
            done.set()
            watcher.join(timeout=60)
        final = stock(observer, RUSH)

    outcomes = Counter()
    for customer, response in zip(customers, responses, strict=True):
        order = customer.order(response.json()["id"])
        outcomes[(order["status"], order["cancel_reason"])] += 1
    assert outcomes == {("paid", None): 30, ("cancelled", "out_of_stock"): 70}, outcomes
    assert len(samples) > 1, "the stock was not sampled while the orders went through"
    assert all(
        s["available"] >= 0 and 0 <= s["reserved"] <= s["on_hand"] == RUSH_STOCK for s in samples
    ), [s for s in samples if s["available"] < 0 or s["reserved"] > s["on_hand"]]
    assert final == {"sku": RUSH, "on_hand": 30, "reserved": 30, "available": 0}


def test_orders_get_paid_while_notifications_are_down_and_emails_follow(shop, server_errors):
    customers = register(shop, server_errors, 10, "quiet")
    shop.stop("notifications")  # SIGTERM: a warm shutdown, checked to exit within its bound

    def buy_five(customer: Customer) -> list[str]:
        return [place(customer, BULK) for _ in range(5)]

    with ThreadPoolExecutor(max_workers=4) as pool:
        order_ids = [order_id for ids in pool.map(buy_five, customers) for order_id in ids]
    assert len(set(order_ids)) == 50
    shop.wait_until("every order paid or cancelled", lambda: shop.unsettled_orders() == 0, 300)
    assert shop.orders_by_status() == {"paid": 50}
    paid_handler = "notifications.email_order_confirmed"
    # The relay may pack several deliveries into one message: count deliveries, not messages.
    shop.wait_until(
        "the 50 confirmations to wait on the broker",
        lambda: (
            shop.deliveries(paid_handler) == {"dispatched": 50}
            and len(set(shop.broker.queued_deliveries("notifications"))) >= 50
        ),
        timeout=120,
    )
    assert shop.emails() == [], "an email went out while notifications was stopped"
    assert shop.database.value("SELECT count(*) FROM notifications_emaillog") == 0

    shop.start_worker("notifications-2", queues=["notifications"], concurrency=1)
    took = shop.wait_until(
        "the 50 confirmations handled", lambda: shop.deliveries(paid_handler) == {"done": 50}, 240
    )
    shop.wait_quiet()
    emails = shop.emails()
    assert len(emails) == 50, f"{len(emails)} emails after {took:.0f}s"
    assert {e.subject for e in emails} == {SUBJECT_PAID}
    assert Counter(e.order_id for e in emails) == Counter(order_ids), "one email per order"
    assert len({e.message_id for e in emails}) == 50
    by_customer = Counter(e.to for e in emails)
    assert by_customer == {c.email: 5 for c in customers}


def test_customer_cancels_a_paid_order_but_not_a_shipped_one(shop, server_errors):
    customer = Customer.register(shop.base_url, server_errors, "cancel")
    kept, cancelled = place(customer, WIDGET, quantity=1), place(customer, WIDGET, quantity=4)
    for order_id in (kept, cancelled):
        assert wait_for_order(shop, customer, order_id, "paid", "cancelled")["status"] == "paid"

    response = customer.cancel(cancelled)
    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["cancel_reason"]) == (
        "cancelled",
        "customer_request",
    )
    shop.wait_until(
        "the payment refunded",
        lambda: shop.payment(cancelled)["status"] == "refunded",
        timeout=120,
    )
    assert shop.gateway(cancelled)["charges"] == [("approved", True)], "refunded at the gateway"
    shop.wait_until(
        "the stock released",
        lambda: stock(customer.client, WIDGET)["reserved"] == 1,
        timeout=120,
    )
    assert stock(customer.client, WIDGET)["available"] == WIDGET_STOCK - 1

    shop.wait_until("the shipment of the kept order", lambda: customer.shipments(kept), 120)
    shop.mark_shipped(kept)
    wait_for_order(shop, customer, kept, "shipped")
    refused = customer.cancel(kept)
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["code"] == "order_not_cancellable"
    assert customer.order(kept)["status"] == "shipped"

    shop.wait_quiet()
    order = customer.order(cancelled)
    assert statuses(order) == ["pending", "reserved", "paid", "cancelled"]
    assert stock(customer.client, WIDGET) == {
        "sku": WIDGET,
        "on_hand": WIDGET_STOCK - 1,
        "reserved": 0,
        "available": WIDGET_STOCK - 1,
    }
    subjects = Counter((e.order_id, e.subject) for e in shop.emails())
    assert subjects == {
        (kept, SUBJECT_PAID): 1,
        (kept, SUBJECT_SHIPPED): 1,
        (cancelled, SUBJECT_PAID): 1,
        (cancelled, SUBJECT_CANCELLED): 1,
    }
