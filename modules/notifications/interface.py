"""The notifications module's public interface and its delegate, ``notifications``."""

from __future__ import annotations

from uuid import UUID

from modkit.interfaces import Interface, delegate, operation

from .contracts import SentEmail


class NotificationsService(Interface):
    """Emails to customers about their orders, sent from events."""

    module = "notifications"

    @operation(idempotent=True)
    def emails_for_order(self, *, order_id: UUID) -> list[SentEmail]:
        """Emails sent about one order, oldest first (empty for an order never written about).

        Emails go out shortly after the order's events, so a just-paid order may have none yet.
        """
        raise NotImplementedError


notifications = delegate(NotificationsService)
