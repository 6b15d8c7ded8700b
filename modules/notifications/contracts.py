"""Notifications DTOs."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec


class SentEmail(msgspec.Struct, frozen=True, kw_only=True):
    """One email sent to one recipient about an order."""

    order_id: UUID
    kind: str
    recipient: str
    subject: str
    sent_at: datetime
