"""The orders' public REST API (CONTRACT §5): placing, listing, reading and cancelling."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from modkit.errors import ModuleUnavailable
from modkit.testing import assert_error_shape as assert_error
from modkit.testing import swap
from modules.orders.events import OrderPlaced, OrderStatusChanged
from modules.orders.models import Order

from .conftest import ADDRESS, bearer, order_body

pytestmark = pytest.mark.django_db

ORDERS = "/api/v1/orders/"
UNKNOWN_ID = "0b5e7d9c-3f1a-4e2b-9c8d-7a6b5c4d3e2f"  # fixed: xdist collects tests in each worker
FIELDS = {
    "id",
    "status",
    "cancel_reason",
    "lines",
    "total",
    "currency",
    "created_at",
    "history",
}


def detail(order_id) -> str:
    return f"{ORDERS}{order_id}/"


def cancel(order_id) -> str:
    return f"{ORDERS}{order_id}/cancel/"


@pytest.fixture
def tea(product):
    return product("TEA-1", price="4.50", stock=10)


@pytest.fixture
def client(client_of, customer):
    return client_of(customer)


# --- placing ------------------------------------------------------------------------------------
def test_placing_answers_201_with_the_pending_order(client, tea, customer, captured_events):
    response = client.post(ORDERS, order_body(("TEA-1", 2)), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == FIELDS
    order = Order.objects.get()
    assert body["id"] == str(order.pk)
    assert body["status"] == "pending"
    assert body["cancel_reason"] is None
    assert body["lines"] == [
        {"sku": "TEA-1", "name": "Product TEA-1", "unit_price": "4.50", "quantity": 2}
    ]
    assert (body["total"], body["currency"]) == ("9.00", "EUR")
    assert [h["status"] for h in body["history"]] == ["pending"]
    assert set(body["history"][0]) == {"status", "at"}
    assert (order.customer_id, order.customer_email) == (customer.id, customer.email)
    assert order.shipping_address == ADDRESS
    assert [type(e) for e in captured_events] == [OrderStatusChanged, OrderPlaced]
    assert captured_events[1].order_id == order.pk


@pytest.mark.django_db(transaction=True)
def test_the_answer_is_the_order_as_placed_even_when_the_saga_is_quicker(client, tea, monkeypatch):
    """The saga may take the order further as soon as it commits; the 201 still shows the order
    as placed, `pending` with one history entry (CONTRACT §5)."""
    from django.db import transaction

    from modules.orders import services
    from modules.orders.models import OrderHistory

    create = services._create

    def create_then_advance_at_commit(**kwargs):
        order = create(**kwargs)

        def saga_step() -> None:  # what a fast worker does right after the commit
            Order.objects.filter(pk=order.pk).update(status=Order.Status.RESERVED)
            OrderHistory.objects.create(order_id=order.pk, status=Order.Status.RESERVED)

        transaction.on_commit(saga_step)
        return order

    monkeypatch.setattr(services, "_create", create_then_advance_at_commit)
    response = client.post(ORDERS, order_body(("TEA-1", 1)), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending"
    assert [h["status"] for h in body["history"]] == ["pending"]
    assert Order.objects.get().status == Order.Status.RESERVED  # the saga's step did happen


def test_the_answer_is_what_reading_the_order_gives_without_reading_it_back(client, product):
    """The 201 shows the rows just written (lines in the order asked, one history entry): the
    same as a read of the order, with no query for its lines or history."""
    from django.db import connection

    for sku, price in (("TEA-3", "3.10"), ("TEA-1", "1.25"), ("TEA-2", "2.00")):
        product(sku, price=price)
    statements: list[str] = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        response = client.post(
            ORDERS, order_body(("TEA-3", 1), ("TEA-1", 4), ("TEA-2", 2)), format="json"
        )

    assert response.status_code == 201, response.content
    placed = response.json()
    assert [line["sku"] for line in placed["lines"]] == ["TEA-3", "TEA-1", "TEA-2"]
    assert placed == client.get(detail(placed["id"])).json()
    assert any("orders_orderline" in sql for sql in statements)  # the lines were written
    reads = [sql for sql in statements if sql.lstrip().upper().startswith("SELECT")]
    assert not [sql for sql in reads if "orders_orderline" in sql or "orders_orderhistory" in sql]


def test_lines_are_snapshots_of_the_catalog_when_ordered(client, tea):
    placed = client.post(ORDERS, order_body(("TEA-1", 1)), format="json").json()
    tea.price, tea.name = Decimal("99.00"), "Renamed"
    tea.save()

    line = client.get(detail(placed["id"])).json()["lines"][0]

    assert (line["name"], line["unit_price"]) == ("Product TEA-1", "4.50")


def test_a_lowercase_country_is_stored_uppercase(client, tea):
    body = order_body(shipping_address={**ADDRESS, "country": "gb"})

    assert client.post(ORDERS, body, format="json").status_code == 201
    assert Order.objects.get().shipping_address["country"] == "GB"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", ORDERS),
        ("get", ORDERS),
        ("get", detail(UNKNOWN_ID)),
        ("post", cancel(UNKNOWN_ID)),
    ],
)
def test_every_endpoint_needs_a_valid_bearer_token(api, method, path):
    assert_error(getattr(api, method)(path, format="json"), 401, "not_authenticated")
    api.credentials(HTTP_AUTHORIZATION="Bearer not.a.token")
    assert_error(getattr(api, method)(path, format="json"), 401, "authentication_failed")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", ORDERS),
        ("get", ORDERS),
        ("get", detail(UNKNOWN_ID)),
        ("post", cancel(UNKNOWN_ID)),
    ],
)
def test_a_login_without_a_customer_profile_is_refused_with_403(api, db, tea, method, path):
    operator = get_user_model().objects.create_user("operator", password="x", is_staff=True)
    api.credentials(HTTP_AUTHORIZATION=bearer(operator.pk))

    response = getattr(api, method)(path, order_body(), format="json")

    assert_error(response, 403, "permission_denied")
    assert not Order.objects.exists()


def test_missing_fields_are_each_named(client, tea):
    err = assert_error(client.post(ORDERS, {}, format="json"), 400, "validation_error")
    assert set(err["details"]) == {"lines", "shipping_address", "payment_token"}


@pytest.mark.parametrize(
    ("lines", "field"),
    [
        ("TEA-1", "lines"),
        ({"sku": "TEA-1", "quantity": 1}, "lines"),
        ([], "lines"),
        (["TEA-1"], "lines[0]"),
        ([{"quantity": 1}], "lines[0].sku"),
        ([{"sku": "TEA-1"}], "lines[0].quantity"),
        ([{"sku": 17, "quantity": 1}], "lines[0].sku"),
        ([{"sku": "", "quantity": 1}], "lines[0].sku"),
        ([{"sku": "TEA-1", "quantity": 0}], "lines[0].quantity"),
        ([{"sku": "TEA-1", "quantity": -1}], "lines[0].quantity"),
        ([{"sku": "TEA-1", "quantity": "x"}], "lines[0].quantity"),
        ([{"sku": "TEA-1", "quantity": "2"}], "lines[0].quantity"),
        ([{"sku": "TEA-1", "quantity": 1.5}], "lines[0].quantity"),
        ([{"sku": "TEA-1", "quantity": True}], "lines[0].quantity"),
        ([{"sku": "TEA-1", "quantity": None}], "lines[0].quantity"),
        ([{"sku": "TEA-1", "quantity": 1001}], "lines[0].quantity"),
        ([{"sku": "TEA-1", "quantity": 1}, {"sku": "TEA-2", "quantity": 0}], "lines[1].quantity"),
    ],
)
def test_bad_lines_are_400_naming_the_field(client, tea, lines, field):
    response = client.post(ORDERS, order_body(lines=lines), format="json")

    err = assert_error(response, 400, "validation_error")
    assert list(err["details"]) == [field]
    assert err["message"].startswith(f"{field}: ")
    assert not Order.objects.exists()


def test_more_than_fifty_lines_are_refused(client, tea):
    lines = [{"sku": f"SKU-{i}", "quantity": 1} for i in range(51)]

    err = assert_error(
        client.post(ORDERS, order_body(lines=lines), format="json"), 400, "validation_error"
    )
    assert list(err["details"]) == ["lines"]


def test_fifty_lines_pass_validation(client, tea):
    lines = [{"sku": f"SKU-{i}", "quantity": 1} for i in range(50)]

    # All valid in form; the catalog then names every unknown one.
    err = assert_error(
        client.post(ORDERS, order_body(lines=lines), format="json"), 400, "unknown_sku"
    )
    assert len(err["details"]["skus"]) == 50


def test_a_sku_on_two_lines_is_refused(client, tea):
    lines = [{"sku": "TEA-1", "quantity": 1}, {"sku": "TEA-1", "quantity": 2}]

    err = assert_error(
        client.post(ORDERS, order_body(lines=lines), format="json"), 400, "validation_error"
    )
    assert list(err["details"]) == ["lines"]
    assert "TEA-1" in err["message"]


@pytest.mark.parametrize(
    ("address", "field"),
    [
        ("London", "shipping_address"),
        ({k: v for k, v in ADDRESS.items() if k != "city"}, "shipping_address.city"),
        ({**ADDRESS, "name": ""}, "shipping_address.name"),
        ({**ADDRESS, "name": "   "}, "shipping_address.name"),
        ({**ADDRESS, "line1": 12}, "shipping_address.line1"),
        ({**ADDRESS, "postal_code": None}, "shipping_address.postal_code"),
        ({**ADDRESS, "name": "x" * 201}, "shipping_address.name"),
        ({**ADDRESS, "country": "GBR"}, "shipping_address.country"),
        ({**ADDRESS, "country": "1A"}, "shipping_address.country"),
        ({**ADDRESS, "country": ""}, "shipping_address.country"),
    ],
)
def test_bad_addresses_are_400_naming_the_field(client, tea, address, field):
    response = client.post(ORDERS, order_body(shipping_address=address), format="json")

    err = assert_error(response, 400, "validation_error")
    assert list(err["details"]) == [field]


@pytest.mark.parametrize("token", ["", 42, None, ["tok_ok"], "x" * 201])
def test_a_bad_payment_token_is_400(client, tea, token):
    response = client.post(ORDERS, order_body(payment_token=token), format="json")

    err = assert_error(response, 400, "validation_error")
    assert list(err["details"]) == ["payment_token"]


def test_unknown_and_inactive_skus_are_named(client, tea, product):
    product("OLD-1", active=False)
    body = order_body(("TEA-1", 1), ("NOPE-1", 1), ("OLD-1", 1))

    err = assert_error(client.post(ORDERS, body, format="json"), 400, "unknown_sku")

    assert err["details"] == {"skus": ["NOPE-1", "OLD-1"]}
    assert not Order.objects.exists()


def test_products_in_two_currencies_cannot_share_an_order(client, tea, product):
    product("USD-1", currency="USD")

    err = assert_error(
        client.post(ORDERS, order_body(("TEA-1", 1), ("USD-1", 1)), format="json"),
        400,
        "mixed_currencies",
    )
    assert err["details"] == {"currencies": ["EUR", "USD"]}


def test_malformed_json_is_400(client, tea):
    response = client.post(ORDERS, data='{"lines": [', content_type="application/json")
    assert_error(response, 400, "malformed_json")


def test_json_that_is_not_an_object_is_400(client, tea):
    response = client.post(ORDERS, data="[1, 2]", content_type="application/json")
    assert_error(response, 400, "validation_error")


def test_a_body_that_is_not_json_is_415(client, tea):
    response = client.post(
        ORDERS, data="lines=TEA-1", content_type="application/x-www-form-urlencoded"
    )
    assert_error(response, 415, "unsupported_media_type")


def test_an_oversized_body_is_413(client, tea, settings):
    body = json.dumps(order_body(payment_token="x" * (settings.MODKIT_MAX_BODY_BYTES + 1)))
    response = client.post(ORDERS, data=body, content_type="application/json")
    assert_error(response, 413, "payload_too_large")


def test_catalog_unavailable_is_503_with_retry_after(client, tea):
    class DeadCatalog:
        def get_products(self, *, skus):
            raise ModuleUnavailable("catalog: connection refused (fake)")

    with swap("catalog", DeadCatalog()):
        response = client.post(ORDERS, order_body(), format="json")

    assert_error(response, 503, "module_unavailable")
    assert response["Retry-After"]
    assert not Order.objects.exists()


def test_customers_unavailable_is_503(client, tea):
    class DeadCustomers:
        def get_customer_by_user(self, *, user_id):
            raise ModuleUnavailable("customers: connection refused (fake)")

    with swap("customers", DeadCustomers()):
        assert_error(client.get(ORDERS), 503, "module_unavailable")


# --- Idempotency-Key ----------------------------------------------------------------------------
def test_the_same_key_and_body_return_the_same_order(client, tea):
    headers = {"Idempotency-Key": "a5b3f2a0-order-1"}
    first = client.post(ORDERS, order_body(), format="json", headers=headers)
    again = client.post(ORDERS, order_body(), format="json", headers=headers)

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Order.objects.count() == 1


def test_a_replay_answers_with_the_order_as_it_is_now(client, tea):
    headers = {"Idempotency-Key": "k-1"}
    first = client.post(ORDERS, order_body(), format="json", headers=headers).json()
    client.post(cancel(first["id"]))

    again = client.post(ORDERS, order_body(), format="json", headers=headers)

    assert again.json()["id"] == first["id"]
    assert again.json()["status"] == "cancelled"


def test_the_same_key_with_another_body_is_422(client, tea):
    headers = {"Idempotency-Key": "k-1"}
    first = client.post(ORDERS, order_body(("TEA-1", 1)), format="json", headers=headers).json()

    response = client.post(ORDERS, order_body(("TEA-1", 3)), format="json", headers=headers)

    err = assert_error(response, 422, "idempotency_key_reused")
    assert err["details"] == {"order_id": first["id"]}
    assert Order.objects.count() == 1


def test_without_a_key_each_post_is_a_new_order(client, tea):
    client.post(ORDERS, order_body(), format="json")
    client.post(ORDERS, order_body(), format="json")

    assert Order.objects.count() == 2


def test_keys_belong_to_one_customer(client, client_of, register, tea):
    other = client_of(register(email="bob@example.com", name="Bob"))
    headers = {"Idempotency-Key": "shared-key"}

    mine = client.post(ORDERS, order_body(), format="json", headers=headers).json()
    theirs = other.post(ORDERS, order_body(), format="json", headers=headers).json()

    assert mine["id"] != theirs["id"]
    assert Order.objects.count() == 2


def test_a_quoted_key_is_the_same_key(client, tea):
    first = client.post(ORDERS, order_body(), format="json", headers={"Idempotency-Key": "k-9"})
    again = client.post(ORDERS, order_body(), format="json", headers={"Idempotency-Key": '"k-9"'})

    assert again.json()["id"] == first.json()["id"]


@pytest.mark.parametrize("key", ["", "has space", "é-accent", "k" * 256])
def test_a_malformed_key_is_400(client, tea, key):
    response = client.post(ORDERS, order_body(), format="json", headers={"Idempotency-Key": key})

    err = assert_error(response, 400, "validation_error")
    assert list(err["details"]) == ["Idempotency-Key"]
    assert not Order.objects.exists()


# --- reading ------------------------------------------------------------------------------------
def test_the_list_has_own_orders_newest_first_paginated(client, client_of, register, tea):
    ids = [client.post(ORDERS, order_body(), format="json").json()["id"] for _ in range(3)]
    client_of(register(email="bob@example.com", name="Bob")).post(
        ORDERS, order_body(), format="json"
    )

    everything = client.get(ORDERS).json()
    page = client.get(ORDERS, {"limit": 2}).json()

    assert everything["count"] == 3
    assert [o["id"] for o in everything["results"]] == ids[::-1]
    assert set(everything["results"][0]) == FIELDS
    assert [o["id"] for o in page["results"]] == ids[:0:-1]
    assert page["next"]
    assert page["previous"] is None


def test_the_list_of_a_customer_without_orders_is_empty(client):
    assert client.get(ORDERS).json() == {"count": 0, "next": None, "previous": None, "results": []}


@pytest.mark.parametrize("params", [{"limit": "x"}, {"limit": 0}, {"offset": -1}])
def test_bad_pagination_is_400(client, params):
    assert_error(client.get(ORDERS, params), 400, "validation_error")


def test_a_customer_reads_their_order(client, tea):
    placed = client.post(ORDERS, order_body(), format="json").json()

    response = client.get(detail(placed["id"]))

    assert response.status_code == 200
    assert response.json() == placed


def test_another_customers_order_is_404(client, client_of, register, tea):
    theirs = client_of(register(email="bob@example.com", name="Bob")).post(
        ORDERS, order_body(), format="json"
    )

    assert_error(client.get(detail(theirs.json()["id"])), 404, "order_not_found")
    assert_error(client.post(cancel(theirs.json()["id"])), 404, "order_not_found")
    assert Order.objects.get().status == "pending"


@pytest.mark.parametrize("order_id", [UNKNOWN_ID, "not-a-uuid", "1", "%00"])
def test_unknown_or_malformed_ids_are_404(client, order_id):
    assert_error(client.get(detail(order_id)), 404, "order_not_found")
    assert_error(client.post(cancel(order_id)), 404, "order_not_found")


# --- cancelling ---------------------------------------------------------------------------------
def test_cancelling_before_shipment_answers_200_with_the_cancelled_order(
    client, tea, captured_events
):
    placed = client.post(ORDERS, order_body(), format="json").json()

    response = client.post(cancel(placed["id"]))

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["cancel_reason"]) == ("cancelled", "customer_request")
    assert [h["status"] for h in body["history"]] == ["pending", "cancelled"]
    assert captured_events[-1].reason == "customer_request"


@pytest.mark.parametrize("status", ["shipped", "delivered", "cancelled"])
def test_cancelling_after_shipment_or_twice_is_409(client, tea, status):
    placed = client.post(ORDERS, order_body(), format="json").json()
    Order.objects.filter(pk=placed["id"]).update(
        status=status, cancel_reason="customer_request" if status == "cancelled" else ""
    )

    err = assert_error(client.post(cancel(placed["id"])), 409, "order_not_cancellable")

    assert err["details"] == {"status": status}
    assert Order.objects.get().status == status


def test_cancel_takes_no_get(client, tea):
    placed = client.post(ORDERS, order_body(), format="json").json()

    assert_error(client.get(cancel(placed["id"])), 405, "method_not_allowed")
