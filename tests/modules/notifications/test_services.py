"""Sending one email: once per event and recipient, plain text, recognisable when repeated."""

from __future__ import annotations

import uuid

import pytest

from modules.notifications import services
from modules.notifications.models import EmailLog

pytestmark = pytest.mark.django_db


def send(event_id: uuid.UUID, order_id: uuid.UUID, recipient: str = "ada@example.com", **context):
    return services.email_send(
        kind="order_shipped",
        order_id=order_id,
        recipient=recipient,
        event_id=event_id,
        context={"tracking_number": "MK0000", **context},
    )


def test_the_same_event_emails_a_recipient_once(mailoutbox) -> None:
    event_id, order_id = uuid.uuid4(), uuid.uuid4()

    first = send(event_id, order_id)
    again = send(event_id, order_id)

    assert isinstance(first, EmailLog)
    assert again is None
    assert len(mailoutbox) == 1
    assert EmailLog.objects.count() == 1


def test_the_same_event_may_email_another_recipient(mailoutbox) -> None:
    event_id, order_id = uuid.uuid4(), uuid.uuid4()

    send(event_id, order_id, "ada@example.com")
    send(event_id, order_id, "bob@example.com")

    assert [m.to for m in mailoutbox] == [["ada@example.com"], ["bob@example.com"]]


def test_a_repeated_send_carries_the_same_message_id(mailoutbox, settings) -> None:
    settings.DEFAULT_FROM_EMAIL = "Shop <shop@example.com>"
    event_id, order_id = uuid.uuid4(), uuid.uuid4()
    send(event_id, order_id)
    EmailLog.objects.all().delete()  # as if the log had rolled back after the email left

    send(event_id, order_id)
    send(uuid.uuid4(), order_id)

    first, repeat, other = (m.extra_headers["Message-ID"] for m in mailoutbox)
    assert first == repeat != other
    assert first.startswith(f"<{event_id}.")
    assert first.endswith("@example.com>")


def test_the_body_is_plain_text_not_html_escaped(mailoutbox) -> None:
    send(uuid.uuid4(), uuid.uuid4(), tracking_number="A&B'C<D>")

    assert "A&B'C<D>" in mailoutbox[0].body


def test_the_email_comes_from_the_default_sender(mailoutbox, settings) -> None:
    settings.DEFAULT_FROM_EMAIL = "Shop <shop@example.com>"

    send(uuid.uuid4(), uuid.uuid4())

    assert mailoutbox[0].from_email == "Shop <shop@example.com>"
