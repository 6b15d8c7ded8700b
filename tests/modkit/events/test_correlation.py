"""Correlation and causation ids: request → event → handler (and its logs) → next event."""

import logging

import pytest
from django.db import transaction
from django.http import HttpResponse
from django.test import RequestFactory

from modkit import correlation
from modkit.events import publish
from modkit.models import OutboxEvent
from modkit.testing import drain
from tests.modkit.events.eventmods.alpha.models import Effect
from tests.modkit.events.eventmods.source.events import ThingHappened

pytestmark = pytest.mark.django_db


def publishing_view(request):
    with transaction.atomic():
        event = publish(ThingHappened(n=1))
    return HttpResponse(event.correlation_id)


def test_request_correlation_id_reaches_the_event_and_the_response():
    middleware = correlation.CorrelationMiddleware(publishing_view)
    response = middleware(RequestFactory().get("/", HTTP_X_CORRELATION_ID="req-42"))
    assert response.content == b"req-42"
    assert response["X-Correlation-ID"] == "req-42"
    assert OutboxEvent.objects.get(name="source.ThingHappened").correlation_id == "req-42"


def test_a_request_without_an_id_gets_a_fresh_one_and_bad_ids_are_replaced():
    middleware = correlation.CorrelationMiddleware(publishing_view)
    first = middleware(RequestFactory().get("/"))["X-Correlation-ID"]
    hostile = middleware(RequestFactory().get("/", HTTP_X_CORRELATION_ID="a b\nc"))
    assert len(first) == 32
    assert hostile["X-Correlation-ID"] not in ("a b\nc", first)


def test_handler_sees_the_ids_and_its_events_are_caused_by_the_handled_one(caplog):
    with correlation.bound(correlation="cid-7"), transaction.atomic():
        event = publish(ThingHappened(n=7))
    with caplog.at_level(logging.INFO):
        drain()
    effect = Effect.objects.get(n=7)
    assert effect.correlation_id == "cid-7"
    assert effect.causation_id == str(event.event_id)
    follow_up = OutboxEvent.objects.get(name="alpha.ThingRecorded")
    assert follow_up.correlation_id == "cid-7"
    assert follow_up.causation_id == str(event.event_id)
    handler_records = [r for r in caplog.records if "alpha records thing 7" in r.getMessage()]
    assert handler_records
    assert handler_records[0].correlation_id == "cid-7"
    assert handler_records[0].causation_id == str(event.event_id)


def test_log_filter_fills_dashes_outside_any_context():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)
    correlation.CorrelationFilter().filter(record)
    assert (record.correlation_id, record.causation_id) == ("-", "-")
