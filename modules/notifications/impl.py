"""The local implementation of NotificationsService (being built)."""

from __future__ import annotations

from uuid import UUID

from .contracts import SentEmail
from .interface import NotificationsService


class NotificationsServiceImpl(NotificationsService):
    def emails_for_order(self, *, order_id: UUID) -> list[SentEmail]:
        raise NotImplementedError
