"""Reads of the email log."""

from __future__ import annotations

from uuid import UUID

from .models import EmailLog


def email_logs_of_order(*, order_id: UUID) -> list[EmailLog]:
    """Emails sent about one order, oldest first."""
    return list(EmailLog.objects.filter(order_id=order_id).order_by("sent_at", "id"))
