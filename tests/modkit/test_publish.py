"""``publish()`` of an event nobody subscribes to, on the project's own modules."""

import uuid

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from modkit.events import publish
from modkit.events.subscriptions import subscribers_of
from modkit.events.types import decode_event
from modkit.models import Delivery, OutboxEvent
from modules.orders.events import OrderStatusChanged

pytestmark = pytest.mark.django_db


def test_an_event_nobody_subscribes_to_is_its_outbox_row_alone():
    """On PostgreSQL one plain INSERT (no deliveries, no relay to wake); the ORM elsewhere."""
    assert subscribers_of("orders.OrderStatusChanged") == []
    with transaction.atomic():
        event = publish(OrderStatusChanged(order_id=uuid.uuid4(), status="paid"))
    row = OutboxEvent.objects.get(event_id=event.event_id)
    assert (row.name, row.module) == ("orders.OrderStatusChanged", "orders")
    assert decode_event(row.name, row.payload) == event
    assert row.correlation_id == event.correlation_id != ""
    assert row.created_at is not None
    assert not Delivery.objects.filter(event=row).exists()


def test_on_postgresql_it_is_one_insert_and_no_notify(postgres):
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        publish(OrderStatusChanged(order_id=uuid.uuid4(), status="paid"))
    (statement,) = [q["sql"] for q in queries.captured_queries]
    assert statement.startswith('INSERT INTO "modkit_outboxevent"')
    assert "pg_notify" not in statement
