"""Each order event worth telling: one email to the customer, logged, never twice."""

from __future__ import annotations

import pytest
from django.core.mail.backends.locmem import EmailBackend

from modules.notifications.models import EmailLog

from .conftest import (
    CUSTOMER_EMAIL,
    deliver,
    order_cancelled,
    order_paid,
    redeliver,
    shipment_shipped,
)

pytestmark = pytest.mark.django_db


def test_order_paid_emails_the_confirmation(order_id, mailoutbox) -> None:
    event = order_paid(order_id)

    assert deliver() == {"handled": 1}

    [email] = mailoutbox
    assert email.to == [CUSTOMER_EMAIL]
    assert email.subject == "Your order is confirmed"
    assert str(order_id) in email.body
    assert "19.99 EUR" in email.body
    log = EmailLog.objects.get()
    assert (log.order_id, log.kind, log.recipient, log.event_id) == (
        order_id,
        "order_confirmed",
        CUSTOMER_EMAIL,
        event.event_id,
    )
    assert log.subject == email.subject


@pytest.mark.parametrize(
    ("reason", "words"),
    [
        ("out_of_stock", "because an item in it is out of stock"),
        ("payment_declined", "because the payment was declined"),
        ("payment_unavailable", "because we could not reach the payment provider"),
        ("customer_request", "because you asked us to cancel it"),
        ("something_new", "because we could not complete it"),
    ],
)
def test_order_cancelled_emails_the_reason_in_words(order_id, mailoutbox, reason, words) -> None:
    order_cancelled(order_id, reason)

    assert deliver() == {"handled": 1}

    [email] = mailoutbox
    assert email.subject == "Your order was cancelled"
    assert words in email.body
    assert reason not in email.body
    assert EmailLog.objects.get().kind == "order_cancelled"


def test_shipment_shipped_emails_the_tracking_number(order_id, mailoutbox) -> None:
    shipment_shipped(order_id, tracking_number="MKTRACK1234567")

    assert deliver() == {"handled": 1}

    [email] = mailoutbox
    assert email.to == [CUSTOMER_EMAIL]
    assert email.subject == "Your order has shipped"
    assert "MKTRACK1234567" in email.body
    assert EmailLog.objects.get().kind == "order_shipped"


def test_a_redelivered_event_sends_no_second_email(order_id, mailoutbox) -> None:
    order_paid(order_id)
    order_cancelled(order_id, "customer_request")
    shipment_shipped(order_id)
    assert deliver() == {"handled": 3}

    redeliver()
    assert deliver() == {"duplicate": 3}

    assert len(mailoutbox) == 3
    assert EmailLog.objects.count() == 3


def test_a_failed_send_logs_nothing_and_is_retried(order_id, mailoutbox, monkeypatch) -> None:
    real_send = EmailBackend.send_messages
    failures = []

    def send_once_broken(self, messages):
        if not failures:
            failures.append(messages)
            raise ConnectionRefusedError("SMTP server down")
        return real_send(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", send_once_broken)
    order_paid(order_id)

    assert deliver() == {"retrying": 1, "handled": 1}

    assert len(mailoutbox) == 1
    assert EmailLog.objects.count() == 1
