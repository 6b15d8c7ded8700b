"""Sending the customers' emails, each logged once per event and recipient.

Delivery is at least once. The log row and the sending share one transaction (the event
handler's): the row is written first, so an event redelivered after its row committed sends
nothing; then the email is sent, and if sending fails the row rolls back and the handler is
retried. An email that left just before a crash, or before a commit that failed, has no row,
and is sent again when the event is redelivered. To let mail systems recognise such a repeat,
both sends carry the same ``Message-ID``, derived from the event and the recipient.
"""

from __future__ import annotations

import hashlib
import logging
from email.utils import parseaddr
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, router, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from .models import EmailLog

logger = logging.getLogger(__name__)

SUBJECTS = {
    EmailLog.Kind.ORDER_CONFIRMED: "Your order is confirmed",
    EmailLog.Kind.ORDER_CANCELLED: "Your order was cancelled",
    EmailLog.Kind.ORDER_SHIPPED: "Your order has shipped",
}

# The orders' cancel reasons (modules.orders.contracts.CANCEL_REASONS), as told to the customer.
CANCEL_REASONS_IN_WORDS = {
    "out_of_stock": "an item in it is out of stock",
    "payment_declined": "the payment was declined",
    "payment_unavailable": "we could not reach the payment provider to take the payment",
    "customer_request": "you asked us to cancel it",
}
UNKNOWN_CANCEL_REASON = "we could not complete it"


def cancel_reason_in_words(reason: str) -> str:
    """Why an order was cancelled, as the end of "Your order was cancelled because ..."."""
    return CANCEL_REASONS_IN_WORDS.get(reason, UNKNOWN_CANCEL_REASON)


def email_send(
    *, kind: str, order_id: UUID, recipient: str, event_id: UUID, context: dict[str, Any]
) -> EmailLog | None:
    """Send the ``kind`` email about an order to ``recipient`` and log it, once per event.

    The body is the template ``notifications/email/<kind>.txt`` rendered with ``context`` (and
    ``order_id``). Returns the log row, or ``None`` if this event already emailed this recipient.
    Raises whatever the mail backend raises (nothing is logged then); see the module docstring
    for why an email may still, rarely, be sent twice.
    """
    subject = SUBJECTS[kind]
    body = render_to_string(f"notifications/email/{kind}.txt", {**context, "order_id": order_id})
    with transaction.atomic(using=router.db_for_write(EmailLog)):
        log = _claim(kind, order_id, recipient, subject, event_id)
        if log is None:
            logger.info(
                "notifications: %s of event %s already sent to %s", kind, event_id, recipient
            )
            return None
        EmailMessage(
            subject,
            body,
            to=[recipient],
            headers={"Message-ID": _message_id(event_id, recipient)},
        ).send()
        return log


def _claim(
    kind: str, order_id: UUID, recipient: str, subject: str, event_id: UUID
) -> EmailLog | None:
    """Insert the log row, or ``None`` if one exists for this event and recipient."""
    try:
        with transaction.atomic(using=router.db_for_write(EmailLog)):
            return EmailLog.objects.create(
                order_id=order_id,
                kind=kind,
                recipient=recipient,
                subject=subject,
                event_id=event_id,
                sent_at=timezone.now(),
            )
    except IntegrityError:
        return None


def _message_id(event_id: UUID, recipient: str) -> str:
    """The same for every send of one event to one recipient (a repeat is recognisable)."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    digest = hashlib.sha256(recipient.lower().encode()).hexdigest()[:16]
    return f"<{event_id}.{digest}@{domain}>"
