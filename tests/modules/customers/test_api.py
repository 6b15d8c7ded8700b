"""The customers' public REST API (CONTRACT §5), and the token flow a customer uses."""

import json

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from modkit.testing import assert_error_shape
from modules.customers.models import Customer

from .conftest import GOOD_PASSWORD

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/customers/"
ME = "/api/v1/customers/me/"
TOKEN = "/api/v1/auth/token/"


@pytest.fixture
def client():
    return APIClient(raise_request_exception=False)


def registration(**overrides):
    return {"email": "ada@example.com", "password": GOOD_PASSWORD, "name": "Ada", **overrides}


def token_for(client, email="ada@example.com", password=GOOD_PASSWORD):
    response = client.post(TOKEN, {"username": email, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["access"]


def test_register_answers_201_with_the_customer(client):
    response = client.post(REGISTER, registration(), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"id", "email", "name", "created_at"}
    customer = Customer.objects.get()
    assert (body["id"], body["email"], body["name"]) == (customer.pk, "ada@example.com", "Ada")


def test_a_registered_customer_gets_a_token_and_sees_their_profile(client):
    created = client.post(REGISTER, registration(), format="json").json()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(client)}")
    response = client.get(ME)
    assert response.status_code == 200
    assert response.json() == created


def test_me_shows_only_the_token_owners_profile(client):
    client.post(REGISTER, registration(), format="json")
    bob = client.post(REGISTER, registration(email="bob@example.com", name="Bob"), format="json")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(client, 'bob@example.com')}")
    assert client.get(ME).json() == bob.json()


def test_register_missing_fields_names_each(client):
    err = assert_error_shape(client.post(REGISTER, {}, format="json"), 400, "validation_error")
    assert set(err["details"]) == {"email", "password", "name"}


@pytest.mark.parametrize(
    "overrides",
    [
        {"email": 123},
        {"email": ["ada@example.com"]},
        {"name": 123},
        {"password": 12345678901234},
        {"password": None},
        {"email": "not-an-email"},
        {"name": ""},
    ],
)
def test_register_wrong_types_and_invalid_values_are_400(client, overrides):
    response = client.post(REGISTER, registration(**overrides), format="json")
    err = assert_error_shape(response, 400, "validation_error")
    assert set(err["details"]) == set(overrides)
    assert not Customer.objects.exists()


@pytest.mark.parametrize("password", ["short", "12345678901", "password123", "ada@example.com"])
def test_register_weak_password_is_400_with_the_validators_message(client, password):
    response = client.post(REGISTER, registration(password=password), format="json")
    err = assert_error_shape(response, 400, "invalid_customer")
    assert set(err["details"]) == {"password"}
    assert err["message"].startswith("password: ")
    assert not get_user_model().objects.exists()


def test_register_duplicate_email_is_409(client):
    client.post(REGISTER, registration(), format="json")
    response = client.post(REGISTER, registration(email="ADA@example.com"), format="json")
    assert_error_shape(response, 409, "email_taken")
    assert Customer.objects.count() == 1


def test_register_malformed_json_is_400(client):
    response = client.post(REGISTER, data='{"email": "ada@', content_type="application/json")
    assert_error_shape(response, 400, "malformed_json")


def test_register_json_that_is_not_an_object_is_400(client):
    response = client.post(REGISTER, data="[1, 2]", content_type="application/json")
    assert_error_shape(response, 400, "validation_error")


def test_register_wrong_content_type_is_415(client):
    response = client.post(REGISTER, data="email=ada@example.com", content_type="text/plain")
    assert_error_shape(response, 415, "unsupported_media_type")


def test_register_oversized_body_is_413(client):
    body = json.dumps(registration(name="x" * (1024 * 1024)))
    response = client.post(REGISTER, data=body, content_type="application/json")
    assert_error_shape(response, 413, "payload_too_large")
    assert not Customer.objects.exists()


def test_register_wrong_method_is_405(client):
    assert_error_shape(client.get(REGISTER), 405, "method_not_allowed")


def test_me_without_a_token_is_401(client):
    assert_error_shape(client.get(ME), 401, "not_authenticated")


def test_me_with_a_garbage_token_is_401(client):
    client.credentials(HTTP_AUTHORIZATION="Bearer not.a.jwt")
    assert_error_shape(client.get(ME), 401, "authentication_failed")


def test_me_of_a_login_without_customer_profile_is_404(client):
    get_user_model().objects.create_user(username="operator", password="op-pass-2024!")
    token = token_for(client, "operator", "op-pass-2024!")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert_error_shape(client.get(ME), 404, "unknown_customer")


def test_me_wrong_method_is_405(client):
    client.post(REGISTER, registration(), format="json")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(client)}")
    assert_error_shape(client.delete(ME), 405, "method_not_allowed")
