"""The shop's load, for locust (started by ``bench/shop_load.py``, one user class per phase).

The mix follows Online Boutique's load generator (a shopper browsing products far more often
than buying): product page 10, product list 3, order view 2, place order 1. Every request is
named by what it is, not by its URL, so the stats have one line per endpoint.

Reads ``SHOP_LOAD_DATA`` (a JSON file written by the bench: customers' tokens and an order of
each, the catalog's skus, the skus with plenty of stock) and ``SHOP_LOAD_ORDER_RATE`` (orders per
second per ``OrderPlacer``) and ``SHOP_LOAD_ORDER_ARRIVALS``: ``poisson`` (the default) or
``lockstep``, how the order placers' requests are spread in time (see ``OrderPlacer``).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import time
from pathlib import Path

from locust import FastHttpUser, constant, constant_throughput, task

DATA = json.loads(Path(os.environ["SHOP_LOAD_DATA"]).read_text())
ORDER_RATE = float(os.environ.get("SHOP_LOAD_ORDER_RATE", "1"))
ORDER_ARRIVALS = os.environ.get("SHOP_LOAD_ORDER_ARRIVALS", "poisson")
PAGE = 20
ADDRESS = {
    "name": "Bench Shopper",
    "line1": "1 Load Street",
    "city": "Berlin",
    "postal_code": "10115",
    "country": "DE",
}
_customers = itertools.count()


def visitor() -> dict[str, str]:
    """Headers of a request from one of many visitors. The load comes from one address, but a
    shop's comes from many: DRF's throttles (``THROTTLE_ANON``, ``THROTTLE_USER``, kept at the
    production defaults) tell clients apart by ``X-Forwarded-For`` when it is there, so each
    request names one of 65,536 addresses and no visitor exceeds its rate."""
    return {"X-Forwarded-For": f"10.{random.randrange(256)}.{random.randrange(256)}.1"}


class Shopper(FastHttpUser):
    """A logged-in customer: one of the bench's customers, with the orders it placed."""

    abstract = True
    wait_time = constant(0)

    def on_start(self) -> None:
        me = DATA["customers"][next(_customers) % len(DATA["customers"])]
        self.auth = {"Authorization": f"Bearer {me['token']}"}
        self.orders = [me["order_id"]]

    def product_page(self) -> None:
        sku = random.choice(DATA["skus"])
        self.client.get(f"/api/v1/catalog/products/{sku}/", headers=visitor(), name="product page")

    def product_list(self) -> None:
        offset = random.randrange(0, max(1, len(DATA["skus"]) - PAGE + 1))
        self.client.get(
            f"/api/v1/catalog/products/?limit={PAGE}&offset={offset}",
            headers=visitor(),
            name="product list",
        )

    def order_view(self) -> None:
        order_id = random.choice(self.orders[-10:])
        self.client.get(
            f"/api/v1/orders/{order_id}/", headers={**self.auth, **visitor()}, name="order view"
        )

    def place_order(self) -> None:
        body = {
            "lines": [{"sku": random.choice(DATA["plenty"]), "quantity": 1}],
            "shipping_address": ADDRESS,
            "payment_token": "tok_ok",
        }
        with self.client.post(
            "/api/v1/orders/",
            json=body,
            headers={**self.auth, **visitor()},
            name="place order",
            catch_response=True,
        ) as response:
            if response.status_code != 201:
                response.failure(f"{response.status_code}: {response.text[:200]}")
            else:
                self.orders.append(response.json()["id"])


class BareView(FastHttpUser):
    """The ceiling: a Django JSON view behind the same gunicorn and middleware, no database."""

    wait_time = constant(0)

    @task
    def bare(self) -> None:
        self.client.get("/bench/bare/", headers=visitor(), name="bare view")


class ProductPage(Shopper):
    """Only product pages, as fast as they come back: compared with ``BareView``."""

    @task
    def product(self) -> None:
        self.product_page()


class ShopMix(Shopper):
    """Online Boutique's proportions, no think time (a closed loop: throughput, not pacing)."""

    tasks = {
        Shopper.product_page: 10,
        Shopper.product_list: 3,
        Shopper.order_view: 2,
        Shopper.place_order: 1,
    }


def poisson_arrivals(rate: float):
    """A wait that starts the user's tasks at the arrivals of a Poisson process of ``rate`` per
    second (independent exponential gaps, measured from one scheduled start to the next). A task
    that runs past the next arrival delays that start, and the next ones come sooner to catch up:
    the schedule, and with it the rate, is kept. The requests of many such users arrive as
    customers do, at random and independently. A late start's wait is not in its latency (one
    user sends one request at a time)."""

    def wait_time(user) -> float:
        now = time.monotonic()
        user._arrival = getattr(user, "_arrival", now) + random.expovariate(rate)
        return max(0.0, user._arrival - now)

    return wait_time


class OrderPlacer(Shopper):
    """Only orders, each user at ``SHOP_LOAD_ORDER_RATE`` per second on average.

    ``poisson``: each user's orders arrive as a Poisson process, and its first one after a random
    delay, so that the users' orders together arrive as independent customers' do.
    ``lockstep``: locust's ``constant_throughput``, every user once a second from the moment they
    were all spawned together: all the users' orders arrive in the same instant, a burst of
    ``--order-rate`` concurrent orders every second (what this bench measured before)."""

    wait_time = (
        constant_throughput(ORDER_RATE)
        if ORDER_ARRIVALS == "lockstep"
        else poisson_arrivals(ORDER_RATE)
    )

    def on_start(self) -> None:
        super().on_start()
        if ORDER_ARRIVALS != "lockstep":
            time.sleep(random.expovariate(ORDER_RATE))  # gevent's, patched by locust
            self._arrival = time.monotonic()  # the first order's: the next gap counts from it

    @task
    def order(self) -> None:
        self.place_order()
