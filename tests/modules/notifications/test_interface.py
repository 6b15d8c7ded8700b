"""emails_for_order over every transport: the log of an order's emails, oldest first."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest

from modules.notifications.contracts import SentEmail
from modules.notifications.interface import notifications

from .conftest import (
    CUSTOMER_EMAIL,
    deliver,
    order_cancelled,
    order_paid,
    redeliver,
    shipment_shipped,
)

pytestmark = pytest.mark.django_db


def test_emails_for_order_lists_what_was_sent_oldest_first(transport, order_id) -> None:
    order_paid(order_id)
    deliver()
    shipment_shipped(order_id)
    deliver()
    order_paid(uuid.uuid4())  # another order's email
    deliver()

    emails = notifications.emails_for_order(order_id=order_id)

    assert [(e.kind, e.subject, e.recipient, e.order_id) for e in emails] == [
        ("order_confirmed", "Your order is confirmed", CUSTOMER_EMAIL, order_id),
        ("order_shipped", "Your order has shipped", CUSTOMER_EMAIL, order_id),
    ]
    assert all(isinstance(e, SentEmail) for e in emails)
    assert isinstance(emails[0].order_id, uuid.UUID)
    assert isinstance(emails[0].sent_at, datetime)
    assert emails[0].sent_at <= emails[1].sent_at


def test_emails_for_order_counts_a_redelivered_event_once(transport, order_id) -> None:
    order_cancelled(order_id, "out_of_stock")
    deliver()

    redeliver()
    deliver()

    assert [e.kind for e in notifications.emails_for_order(order_id=order_id)] == [
        "order_cancelled"
    ]


def test_emails_for_an_order_never_written_about_is_empty(transport) -> None:
    assert notifications.emails_for_order(order_id=uuid.uuid4()) == []
