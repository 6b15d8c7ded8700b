"""Orders DTOs and domain errors."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

import msgspec

from modkit.errors import Conflict, DomainError, NotFound

STATUSES = ("pending", "reserved", "paid", "shipped", "delivered", "cancelled")
CANCEL_REASONS = ("out_of_stock", "payment_declined", "payment_unavailable", "customer_request")


class OrderLine(msgspec.Struct, frozen=True, kw_only=True):
    """A line as ordered: name and unit price are snapshots taken when the order was placed."""

    sku: str
    name: str
    unit_price: Decimal
    quantity: int


class HistoryEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One status the order entered, when, and why (``note``)."""

    status: str
    at: datetime
    note: str = ""


class Order(msgspec.Struct, frozen=True, kw_only=True):
    """An order. ``cancel_reason`` is set only when ``status`` is ``cancelled``."""

    id: UUID
    customer_id: int
    customer_email: str
    status: str
    cancel_reason: str | None
    lines: tuple[OrderLine, ...]
    total: Decimal
    currency: str
    created_at: datetime
    history: tuple[HistoryEntry, ...]


class OrderNotFound(NotFound):
    """No such order (or not the caller's)."""

    code = "order_not_found"
    default_message = "Order not found."


class OrderNotCancellable(Conflict):
    """The order has shipped (or is already cancelled); ``details["status"]`` says which."""

    code = "order_not_cancellable"
    default_message = "The order can no longer be cancelled."


class OrderNotRefundable(Conflict):
    """Only a cancelled, shipped or delivered order is refunded on its own; an order still to be
    shipped is cancelled (which refunds it). ``details["status"]`` says which it is."""

    code = "order_not_refundable"
    default_message = "Cancel this order instead of refunding it."


class InvalidOrder(DomainError):
    """The order request is not acceptable (e.g. unknown or inactive skus in ``details``)."""

    code = "invalid_order"
    default_message = "Invalid order."


class UnknownSku(InvalidOrder):
    """Some skus are not for sale (unknown to the catalog, or withdrawn): ``details["skus"]``."""

    code = "unknown_sku"
    default_message = "Some products are not for sale."


class MixedCurrencies(InvalidOrder):
    """The products are priced in more than one currency (``details["currencies"]``); an order
    is paid in one currency."""

    code = "mixed_currencies"
    default_message = "An order's products must all be priced in one currency."


class IdempotencyKeyReused(DomainError):
    """The ``Idempotency-Key`` was already used by this customer for a different request; the
    order it created is ``details["order_id"]``."""

    code = "idempotency_key_reused"
    http_status = 422
    default_message = "This Idempotency-Key was already used with a different request."
