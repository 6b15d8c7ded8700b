"""Notifications DTOs."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

# What an email is about: the order was paid (confirmed), cancelled, or handed to the carrier.
KINDS = ("order_confirmed", "order_cancelled", "order_shipped")


class SentEmail(msgspec.Struct, frozen=True, kw_only=True):
    """One email sent to one recipient about an order; ``kind`` is one of KINDS."""

    order_id: UUID
    kind: str
    recipient: str
    subject: str
    sent_at: datetime
