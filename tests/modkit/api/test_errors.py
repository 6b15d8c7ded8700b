"""Every error the API can produce has the one shape, and no internals leak."""

import json

import pytest
from rest_framework.test import APIClient

from modkit.testing import assert_error_shape

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.modkit.api.urls")]


@pytest.fixture
def client():
    return APIClient(raise_request_exception=False)


def test_validation_error_names_the_field(client):
    err = assert_error_shape(
        client.post("/api/test/echo/", {"name": "x"}, format="json"), 400, "validation_error"
    )
    assert "quantity" in err["details"]
    assert err["message"].startswith("quantity")


def test_wrong_type_and_non_positive_quantity_are_400(client):
    for payload in (
        {"name": "x", "quantity": "many"},
        {"name": "x", "quantity": 0},
        {"name": "x", "quantity": -3},
        {"name": ["x"], "quantity": 1},
    ):
        assert_error_shape(
            client.post("/api/test/echo/", payload, format="json"), 400, "validation_error"
        )


def test_valid_input_passes(client):
    response = client.post("/api/test/echo/", {"name": "x", "quantity": 2}, format="json")
    assert response.status_code == 201
    assert response.json() == {"name": "x", "quantity": 2}


def test_malformed_json(client):
    response = client.post("/api/test/echo/", data='{"name": "x",', content_type="application/json")
    assert_error_shape(response, 400, "malformed_json")


def test_wrong_content_type_is_415(client):
    response = client.post("/api/test/echo/", data="name=x", content_type="text/plain")
    assert_error_shape(response, 415, "unsupported_media_type")


def test_oversized_body_is_413_before_parsing(client):
    body = json.dumps({"name": "x" * (1024 * 1024), "quantity": 1})
    response = client.post("/api/test/echo/", data=body, content_type="application/json")
    err = assert_error_shape(response, 413, "payload_too_large")
    assert err["details"]["limit"] < len(body)


def test_unknown_path_is_404_in_shape(client):
    assert_error_shape(client.get("/api/v1/no/such/thing/"), 404, "not_found")


def test_wrong_method_is_405(client):
    assert_error_shape(client.delete("/api/test/echo/"), 405, "method_not_allowed")


def test_unhandled_exception_is_500_without_internals(client):
    response = client.get("/api/test/boom/")
    err = assert_error_shape(response, 500, "internal_error")
    assert "hunter2" not in response.content.decode()
    assert "Traceback" not in response.content.decode()
    assert "RuntimeError" not in err["message"]


def test_domain_error_keeps_its_code_status_and_details(client):
    err = assert_error_shape(client.get("/api/test/conflict/"), 409, "conflict")
    assert err["details"] == {"status": "shipped"}


def test_module_unavailable_is_503_with_retry_after(client):
    response = client.get("/api/test/unavailable/")
    assert_error_shape(response, 503, "module_unavailable")
    assert int(response["Retry-After"]) > 0


def test_throttled_is_429_with_retry_after(client):
    from django.core.cache import cache

    cache.clear()
    assert client.get("/api/test/throttled/").status_code == 200
    response = client.get("/api/test/throttled/")
    assert_error_shape(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0


def test_bad_bearer_token_is_401(client):
    client.credentials(HTTP_AUTHORIZATION="Bearer not-a-jwt")
    assert_error_shape(client.get("/api/test/throttled/"), 401, "authentication_failed")


def test_schema_and_docs_are_served_locally(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    doc = schema.json() if schema["Content-Type"].endswith("json") else None
    text = schema.content.decode()
    assert "openapi: 3" in text or (doc and doc["openapi"].startswith("3"))
    assert "/internal/" not in text
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "swagger-ui" in html
    assert "cdn." not in html
    assert "unpkg" not in html
    assert "jsdelivr" not in html


def test_health_live(client):
    response = client.get("/health/live/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
