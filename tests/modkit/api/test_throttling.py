"""ClientRateThrottle: the anon rate per client address, the user rate per authenticated user."""

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from modkit.testing import assert_error_shape

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.modkit.api.urls")]
URL = "/api/test/client-throttled/"


def get(address: str, token: str = "") -> int:
    client = APIClient(REMOTE_ADDR=address)
    if token:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = client.get(URL)
    if response.status_code == 429:
        assert_error_shape(response, 429, "throttled")
    return response.status_code


def token_for(username: str) -> str:
    user = get_user_model().objects.create_user(username=username, password="x" * 12)
    return str(AccessToken.for_user(user))


def test_anonymous_clients_get_the_anon_rate_each():
    assert [get("10.0.0.1") for _ in range(3)] == [200, 200, 429]
    assert [get("10.0.0.2") for _ in range(3)] == [200, 200, 429]


def test_users_get_the_user_rate_each_wherever_they_come_from():
    ann, bob = token_for("ann"), token_for("bob")
    assert [get(f"10.0.1.{i}", ann) for i in range(4)] == [200, 200, 200, 429]
    assert [get("10.0.0.9", bob) for _ in range(4)] == [200, 200, 200, 429]


def test_a_users_requests_do_not_count_against_their_address():
    ann = token_for("ann")
    assert [get("10.0.0.3", ann) for _ in range(3)] == [200, 200, 200]
    assert [get("10.0.0.3") for _ in range(3)] == [200, 200, 429]


def test_an_unreachable_cache_lets_requests_through(monkeypatch, caplog):
    from django.core.cache import cache

    def down(*args, **kwargs):
        raise ConnectionError("cache is down")

    monkeypatch.setattr(cache, "get", down)
    assert [get("10.0.0.4") for _ in range(3)] == [200, 200, 200]
    assert "cache unavailable" in caplog.text
