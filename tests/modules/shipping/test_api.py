"""GET /api/v1/shipping/shipments/?order={id}: a customer's shipments of their own orders."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from modkit.errors import ModuleUnavailable
from modkit.testing import assert_error_shape, swap
from modules.customers.interface import customers
from modules.shipping import services
from modules.shipping.models import Shipment

from .conftest import deliver, order_paid

pytestmark = pytest.mark.django_db

URL = "/api/v1/shipping/shipments/"
TOKEN = "/api/v1/auth/token/"
PASSWORD = "plum-kettle-42-river"


def login(client: APIClient, username: str) -> None:
    response = client.post(TOKEN, {"username": username, "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")


@pytest.fixture
def ada():
    return customers.register(email="ada@example.com", password=PASSWORD, name="Ada")


@pytest.fixture
def bob():
    return customers.register(email="bob@example.com", password=PASSWORD, name="Bob")


@pytest.fixture
def client(ada) -> APIClient:
    """Ada's client, with her bearer token."""
    client = APIClient(raise_request_exception=False)
    login(client, ada.email)
    return client


def paid_order_of(customer) -> Shipment:
    """The shipment of a new order of ``customer``, paid (its ``OrderPaid`` handled)."""
    order_id = uuid.uuid4()
    order_paid(order_id, customer.id, customer.email)
    deliver("shipping")
    return Shipment.objects.get(order_id=order_id)


def test_own_order_lists_its_shipment(client, ada) -> None:
    shipment = paid_order_of(ada)

    response = client.get(URL, {"order": str(shipment.order_id)})

    assert response.status_code == 200, response.content
    assert response.json() == {
        "count": 1,
        "next": None,
        "previous": None,
        "results": [
            {
                "id": str(shipment.pk),
                "order_id": str(shipment.order_id),
                "status": "pending",
                "tracking_number": None,
            }
        ],
    }


def test_a_shipped_order_shows_its_tracking_number(client, ada) -> None:
    shipment = paid_order_of(ada)
    shipped = services.shipment_mark_shipped(shipment_id=shipment.pk)

    result = client.get(URL, {"order": str(shipment.order_id)}).json()["results"][0]

    assert (result["status"], result["tracking_number"]) == ("shipped", shipped.tracking_number)


def test_someone_elses_order_is_404_and_reveals_nothing(client, bob) -> None:
    order_id = paid_order_of(bob).order_id

    error = assert_error_shape(client.get(URL, {"order": str(order_id)}), 404, "order_not_found")

    assert error["details"] == {"order_id": str(order_id)}


def test_own_order_not_paid_yet_is_an_empty_list(client, ada, fake_orders) -> None:
    order_id = uuid.uuid4()
    fake_orders.customers[order_id] = ada.id

    response = client.get(URL, {"order": str(order_id)})

    assert response.status_code == 200, response.content
    assert response.json()["results"] == []
    assert fake_orders.calls == [order_id]


def test_someone_elses_order_not_paid_yet_is_404(client, bob, fake_orders) -> None:
    order_id = uuid.uuid4()
    fake_orders.customers[order_id] = bob.id

    error = assert_error_shape(client.get(URL, {"order": str(order_id)}), 404, "order_not_found")

    assert error["details"] == {"order_id": str(order_id)}


def test_an_unknown_order_is_the_same_404_as_a_foreign_one(client, bob, fake_orders) -> None:
    unknown = uuid.uuid4()
    foreign = paid_order_of(bob).order_id

    unknown_error = assert_error_shape(
        client.get(URL, {"order": str(unknown)}), 404, "order_not_found"
    )
    foreign_error = assert_error_shape(
        client.get(URL, {"order": str(foreign)}), 404, "order_not_found"
    )

    assert unknown_error["message"] == foreign_error["message"]
    assert fake_orders.calls == [unknown]  # a shipment already names its customer


def test_an_order_without_shipment_is_an_empty_list_while_orders_is_down(
    client, fake_orders
) -> None:
    fake_orders.unavailable = True

    response = client.get(URL, {"order": str(uuid.uuid4())})

    assert response.status_code == 200, response.content
    assert response.json()["results"] == []


@pytest.mark.parametrize("params", [{}, {"order": ""}, {"order": "not-a-uuid"}, {"order": "42"}])
def test_a_missing_or_malformed_order_is_400(client, params) -> None:
    error = assert_error_shape(client.get(URL, params), 400, "validation_error")

    assert set(error["details"]) == {"order"}


def test_without_a_token_is_401(ada) -> None:
    anonymous = APIClient(raise_request_exception=False)
    order_id = paid_order_of(ada).order_id

    assert_error_shape(anonymous.get(URL, {"order": str(order_id)}), 401, "not_authenticated")


def test_a_garbage_token_is_401() -> None:
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION="Bearer not.a.jwt")

    assert_error_shape(client.get(URL, {"order": str(uuid.uuid4())}), 401, "authentication_failed")


def test_a_login_without_customer_profile_is_404() -> None:
    get_user_model().objects.create_user(username="operator", password=PASSWORD)
    client = APIClient(raise_request_exception=False)
    login(client, "operator")

    assert_error_shape(client.get(URL, {"order": str(uuid.uuid4())}), 404, "unknown_customer")


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_shipments_cannot_be_written_through_the_api(client, ada, method) -> None:
    order_id = paid_order_of(ada).order_id

    response = getattr(client, method)(f"{URL}?order={order_id}", {}, format="json")

    assert_error_shape(response, 405, "method_not_allowed")


def test_a_bad_page_size_is_400(client, ada) -> None:
    order_id = paid_order_of(ada).order_id

    error = assert_error_shape(
        client.get(URL, {"order": str(order_id), "limit": "x"}), 400, "validation_error"
    )

    assert set(error["details"]) == {"limit"}


def test_503_with_retry_after_while_customers_is_down(client, ada) -> None:
    order_id = paid_order_of(ada).order_id

    with swap("customers", UnavailableCustomers()):
        response = client.get(URL, {"order": str(order_id)})

    assert_error_shape(response, 503, "module_unavailable")
    assert response.headers["Retry-After"]


class UnavailableCustomers:
    def get_customer_by_user(self, *, user_id: int) -> None:
        raise ModuleUnavailable("customers: connection refused (fake)")
