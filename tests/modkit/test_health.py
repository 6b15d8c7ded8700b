"""Liveness and readiness endpoints."""

import pytest
from django.test import Client


@pytest.mark.django_db
def test_ready_reports_each_database_and_the_broker():
    response = Client().get("/health/ready/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok"
    assert any("Database" in label or "alias" in label for label in body["checks"])
    assert body["checks"]["broker"] == "OK"


@pytest.mark.django_db
def test_ready_is_503_when_the_broker_is_unreachable(monkeypatch):
    from celery import current_app
    from kombu import Connection

    # Celery prefers CELERY_BROKER_URL from the environment over its config, so point the
    # connection itself at a port where nothing listens.
    monkeypatch.setattr(
        current_app, "connection_for_write", lambda: Connection("redis://127.0.0.1:1/0")
    )
    response = Client().get("/health/ready/")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert "broker unreachable" in body["checks"]["broker"]


def test_live_needs_nothing():
    response = Client().get("/health/live/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_metrics_are_prometheus_text():
    client = Client()
    client.get("/health/live/")
    response = client.get("/metrics")
    assert response.status_code == 200
    text = response.content.decode()
    assert "# TYPE django_http_requests_latency_seconds_by_view_method histogram" in text
    assert 'django_http_responses_total_by_status_total{status="200"}' in text
