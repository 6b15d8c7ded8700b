"""The local implementation of ``NotificationsService``: the one place models become DTOs."""

from __future__ import annotations

from uuid import UUID

from . import selectors
from .contracts import SentEmail
from .interface import NotificationsService
from .models import EmailLog


class NotificationsServiceImpl(NotificationsService):
    def emails_for_order(self, *, order_id: UUID) -> list[SentEmail]:
        return [_sent_email(log) for log in selectors.email_logs_of_order(order_id=order_id)]


def _sent_email(log: EmailLog) -> SentEmail:
    return SentEmail(
        order_id=log.order_id,
        kind=log.kind,
        recipient=log.recipient,
        subject=log.subject,
        sent_at=log.sent_at,
    )
