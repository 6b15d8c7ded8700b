"""Orders writes: placing an order, the saga's steps, cancelling, and the compensation.

Every status change goes through ``_enter``: the order row, an ``OrderHistory`` row and an
``OrderStatusChanged`` event commit together. Every step that changes an existing order locks
its row first (``SELECT … FOR UPDATE``), so the saga, a cancel and the shipping events take
turns on it, and each re-reads the status it acts on.

Calls to other modules happen before any transaction (pricing) or inside an event handler's
transaction. The latter are all idempotent per order id (``inventory.reserve``/``release``/
``commit``, ``payments.authorize``/``refund``): when the handler's transaction rolls back and
the event is retried, calling again returns what the first call did and never reserves or
charges twice (docs/shop.md).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, router, transaction
from django.utils import timezone

from modkit.errors import ModuleUnavailable
from modkit.events import publish
from modules.catalog.interface import catalog
from modules.inventory.contracts import (
    InsufficientStock,
    ReservationClosed,
    ReservationNotFound,
    ReserveLine,
)
from modules.inventory.contracts import UnknownSku as UnknownStockSku
from modules.inventory.interface import inventory
from modules.payments.contracts import InvalidPayment, Payment, PaymentDeclined, PaymentNotFound
from modules.payments.interface import payments
from modules.shipping.contracts import Shipment
from modules.shipping.interface import shipping

from . import selectors
from .contracts import (
    CANCEL_REASONS,
    IdempotencyKeyReused,
    InvalidOrder,
    MixedCurrencies,
    OrderNotCancellable,
    OrderNotFound,
    OrderNotRefundable,
    UnknownSku,
)
from .events import OrderCancelled, OrderPaid, OrderPlaced, OrderStatusChanged
from .models import Order, OrderHistory, OrderLine

logger = logging.getLogger(__name__)

MAX_LINES = 50
MAX_QUANTITY = 1000
ADDRESS_FIELDS = {"name": 200, "line1": 200, "city": 100, "postal_code": 20, "country": 2}
PAYMENT_TOKEN_MAX_LENGTH = Order._meta.get_field("payment_token").max_length
IDEMPOTENCY_KEY_MAX_LENGTH = Order._meta.get_field("idempotency_key").max_length
# How long the saga keeps retrying an unreachable payment gateway before it gives up and
# cancels (``payment_unavailable``). Keep it below the events' total retry backoff (about 63 s
# at the least with the default MODKIT_EVENTS_* settings), so the last retry finds it passed
# rather than the delivery going to the dead letters first.
DEFAULT_PAYMENT_DEADLINE_SECONDS = 60

CANCELLABLE = (Order.Status.PENDING, Order.Status.RESERVED, Order.Status.PAID)
REFUNDABLE = (Order.Status.CANCELLED, Order.Status.SHIPPED, Order.Status.DELIVERED)


def _atomic() -> transaction.Atomic:
    """A transaction on the orders database (the module may have one of its own)."""
    return transaction.atomic(using=router.db_for_write(Order))


# --- placing ------------------------------------------------------------------------------------
def order_place(
    *,
    customer_id: int,
    customer_email: str,
    lines: Sequence[tuple[str, int]],
    shipping_address: Mapping[str, str],
    payment_token: str,
    idempotency_key: str = "",
) -> tuple[Order, bool]:
    """Price the lines through the catalog and create the order ``pending``; ``(order, created)``.

    The order, its first history entry and ``OrderPlaced`` commit together. With an
    ``idempotency_key`` the same request returns the order it first created (``created`` is
    False), also when two arrive at once; another request with that key raises
    ``IdempotencyKeyReused``. Raises ``InvalidOrder``, ``UnknownSku``, ``MixedCurrencies``, and
    ``ModuleUnavailable`` when the catalog cannot be asked (nothing is written then).
    """
    wanted = _validated_lines(lines)
    address = _validated_address(shipping_address)
    if not payment_token or len(payment_token) > PAYMENT_TOKEN_MAX_LENGTH:
        raise InvalidOrder("A payment token is needed.", details={"payment_token": ["invalid"]})
    fingerprint = _fingerprint(wanted, address, payment_token)
    if idempotency_key:
        existing = selectors.order_by_idempotency_key(customer_id=customer_id, key=idempotency_key)
        if existing is not None:
            return _replayed(existing, fingerprint), False
    priced, currency = _priced(wanted)
    try:
        with _atomic():
            order = _create(
                customer_id=customer_id,
                customer_email=customer_email,
                priced=priced,
                currency=currency,
                shipping_address=address,
                payment_token=payment_token,
                idempotency_key=idempotency_key,
                fingerprint=fingerprint,
            )
    except IntegrityError:
        # A concurrent request with the same key won the race to the unique index.
        existing = idempotency_key and selectors.order_by_idempotency_key(
            customer_id=customer_id, key=idempotency_key
        )
        if not existing:
            raise
        return _replayed(existing, fingerprint), False
    return order, True


def _validated_lines(lines: Sequence[tuple[str, int]]) -> list[tuple[str, int]]:
    if not 1 <= len(lines) <= MAX_LINES:
        raise InvalidOrder(
            f"An order has 1 to {MAX_LINES} lines.", details={"lines": [f"got {len(lines)}"]}
        )
    bad = [
        sku
        for sku, qty in lines
        if not isinstance(qty, int) or isinstance(qty, bool) or not 1 <= qty <= MAX_QUANTITY
    ]
    if bad:
        raise InvalidOrder(
            f"Quantities are whole numbers from 1 to {MAX_QUANTITY}.", details={"skus": bad}
        )
    repeated = sorted(sku for sku, n in Counter(sku for sku, _ in lines).items() if n > 1)
    if repeated:
        raise InvalidOrder("Each sku may appear on one line only.", details={"skus": repeated})
    return [(sku, qty) for sku, qty in lines]


def _validated_address(address: Mapping[str, str]) -> dict[str, str]:
    """The address's known fields; each a non-blank string within its length."""
    bad = sorted(
        name
        for name, limit in ADDRESS_FIELDS.items()
        if not isinstance(address.get(name), str)
        or not address[name].strip()
        or len(address[name]) > limit
    )
    if bad:
        raise InvalidOrder(
            f"The shipping address needs {', '.join(bad)}.",
            details={f"shipping_address.{name}": ["missing or invalid"] for name in bad},
        )
    return {name: address[name] for name in ADDRESS_FIELDS}


def _fingerprint(
    lines: list[tuple[str, int]], shipping_address: Mapping[str, str], payment_token: str
) -> str:
    """A hash of what was asked for: the same request always hashes the same."""
    canonical = json.dumps(
        {"lines": lines, "shipping_address": dict(shipping_address), "token": payment_token},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replayed(order: Order, fingerprint: str) -> Order:
    if order.request_fingerprint != fingerprint:
        raise IdempotencyKeyReused(details={"order_id": str(order.pk)})
    return order


def _priced(wanted: list[tuple[str, int]]) -> tuple[list[tuple[str, str, Decimal, int]], str]:
    """``(sku, name, unit price, quantity)`` per line, and the order's one currency."""
    skus = [sku for sku, _ in wanted]
    products = {p.sku: p for p in catalog.get_products(skus=skus)}
    not_for_sale = [sku for sku in skus if sku not in products or not products[sku].active]
    if not_for_sale:
        raise UnknownSku(
            f"Not for sale: {', '.join(not_for_sale)}.", details={"skus": not_for_sale}
        )
    currencies = sorted({products[sku].currency for sku in skus})
    if len(currencies) > 1:
        raise MixedCurrencies(details={"currencies": currencies})
    priced = [(sku, products[sku].name, products[sku].price, qty) for sku, qty in wanted]
    return priced, currencies[0]


def _create(
    *,
    customer_id: int,
    customer_email: str,
    priced: list[tuple[str, str, Decimal, int]],
    currency: str,
    shipping_address: dict[str, str],
    payment_token: str,
    idempotency_key: str,
    fingerprint: str,
) -> Order:
    total = sum((price * qty for _, _, price, qty in priced), Decimal("0.00"))
    order = Order.objects.create(
        customer_id=customer_id,
        customer_email=customer_email,
        total=total.quantize(Decimal("0.01")),
        currency=currency,
        shipping_address=shipping_address,
        payment_token=payment_token,
        idempotency_key=idempotency_key,
        request_fingerprint=fingerprint,
    )
    lines = OrderLine.objects.bulk_create(
        OrderLine(order=order, sku=sku, name=name, unit_price=price, quantity=qty)
        for sku, name, price, qty in priced
    )
    placed = _record(order, Order.Status.PENDING, note="placed")
    publish(OrderPlaced(order_id=order.pk, customer_id=order.customer_id))
    # The answer shows the order as placed (`pending`), never a later status the saga may have
    # reached once it commits: its lines and history are the rows just written, in the order a
    # read would give (by id; one history entry), without reading them back.
    _prefetched(order, lines=lines, history=[placed])
    return order


def _prefetched(order: Order, **rows: list[Any]) -> None:
    """Fill ``order``'s prefetch cache as ``prefetch_related(*rows)`` would, from rows in hand."""
    cache = order.__dict__.setdefault("_prefetched_objects_cache", {})
    for name, objects in rows.items():
        queryset = getattr(order, name).all()
        queryset._result_cache = list(objects)
        queryset._prefetch_done = True
        cache[name] = queryset


# --- transitions --------------------------------------------------------------------------------
def _locked(order_id: uuid.UUID) -> Order | None:
    return Order.objects.select_for_update().filter(pk=order_id).first()


def _record(order: Order, status: str, note: str = "") -> OrderHistory:
    entry = OrderHistory.objects.create(order=order, status=status, note=note[:2000])
    publish(OrderStatusChanged(order_id=order.pk, status=status))
    return entry


def _enter(order: Order, status: str, *, note: str = "", reason: str = "") -> None:
    order.status = status
    fields = ["status", "updated_at"]
    if status == Order.Status.CANCELLED:
        order.cancel_reason = reason
        fields.append("cancel_reason")
    if status in (Order.Status.PAID, Order.Status.CANCELLED) and order.payment_token:
        order.payment_token = ""  # settled either way: the card token is no longer needed
        fields.append("payment_token")
    order.save(update_fields=fields)
    _record(order, status, note)


def _cancel(order: Order, reason: str, note: str = "") -> None:
    _enter(order, Order.Status.CANCELLED, note=note, reason=reason)
    publish(
        OrderCancelled(
            order_id=order.pk,
            customer_id=order.customer_id,
            customer_email=order.customer_email,
            reason=reason,
        )
    )


def order_cancel(
    *, order_id: uuid.UUID | str, reason: str, customer_id: int | None = None, note: str = ""
) -> Order:
    """Cancel an order that has not shipped; its stock and payment are returned asynchronously.

    With ``customer_id``, only that customer's order (another's raises ``OrderNotFound``).
    Raises ``OrderNotFound``, ``OrderNotCancellable`` (shipped, delivered or already cancelled;
    ``details["status"]``), ``InvalidOrder`` for a reason not in ``CANCEL_REASONS``.
    """
    if reason not in CANCEL_REASONS:
        raise InvalidOrder(
            f"Unknown cancel reason {reason!r}.",
            details={"reason": [f"one of {', '.join(CANCEL_REASONS)}"]},
        )
    oid = selectors.parse_order_id(order_id)
    with _atomic():
        orders = Order.objects.select_for_update()
        if customer_id is not None:
            orders = orders.filter(customer_id=customer_id)
        order = orders.filter(pk=oid).first()
        if order is None:
            raise OrderNotFound(details={"order_id": str(oid)})
        if order.status not in CANCELLABLE:
            raise OrderNotCancellable(
                f"The order is {order.status}: it can no longer be cancelled.",
                details={"status": order.status},
            )
        _cancel(order, reason, note)
    return selectors.order_get(order_id=oid)


# --- the saga -----------------------------------------------------------------------------------
def order_advance(*, order_id: uuid.UUID) -> Order | None:
    """Take a placed order as far as it goes: reserve its stock, then authorize its payment.

    Runs in the ``OrderPlaced`` handler. A step already taken is skipped, so a redelivery is a
    no-op; a cancelled order is left alone. Out of stock, a declined payment, or a payment
    gateway still unreachable ``ORDERS_PAYMENT_DEADLINE_SECONDS`` after the order was placed
    cancel the order. Raises ``ModuleUnavailable`` before that deadline (and whenever inventory
    is unreachable), rolling back this step so the event is retried with backoff.
    """
    with _atomic():
        order = _locked(order_id)
        if order is None:
            logger.warning("orders: placed order %s does not exist", order_id)
            return None
        if order.status == Order.Status.PENDING:
            _reserve(order)
        if order.status == Order.Status.RESERVED:
            _authorize(order)
    return order


def _reserve(order: Order) -> None:
    lines = [ReserveLine(sku=line.sku, quantity=line.quantity) for line in order.lines.all()]
    try:
        inventory.reserve(order_id=order.pk, lines=lines)
    except (InsufficientStock, UnknownStockSku, ReservationClosed) as exc:
        _cancel(order, Order.CancelReason.OUT_OF_STOCK, note=exc.message)
        return
    _enter(order, Order.Status.RESERVED)


def _authorize(order: Order) -> None:
    try:
        payment = payments.authorize(
            order_id=order.pk,
            amount=order.total,
            currency=order.currency,
            token=order.payment_token,
        )
    except (PaymentDeclined, InvalidPayment) as exc:
        _cancel(order, Order.CancelReason.PAYMENT_DECLINED, note=exc.message)
        return
    except ModuleUnavailable as exc:  # PaymentUnavailable included
        if not _past_payment_deadline(order):
            raise
        _cancel(
            order,
            Order.CancelReason.PAYMENT_UNAVAILABLE,
            note=f"gave up after {payment_deadline_seconds()} s: {exc.message}",
        )
        return
    try:
        # Paid: the stock must wait for the parcel however long shipping takes.
        inventory.hold(order_id=order.pk)
    except ReservationClosed as exc:  # it expired while the payment was being retried
        _cancel(order, Order.CancelReason.OUT_OF_STOCK, note=f"reservation lost: {exc.message}")
        return
    _enter(order, Order.Status.PAID, note=f"payment {payment.gateway_reference}".strip())
    publish(
        OrderPaid(
            order_id=order.pk,
            customer_id=order.customer_id,
            customer_email=order.customer_email,
            total=order.total,
            currency=order.currency,
        )
    )


def payment_deadline_seconds() -> int:
    return int(
        getattr(settings, "ORDERS_PAYMENT_DEADLINE_SECONDS", DEFAULT_PAYMENT_DEADLINE_SECONDS)
    )


def _past_payment_deadline(order: Order) -> bool:
    deadline = order.created_at + timedelta(seconds=payment_deadline_seconds())
    return timezone.now() >= deadline


def order_release_stock(*, order_id: uuid.UUID) -> None:
    """Return a cancelled order's reserved stock. Idempotent; nothing reserved is fine.

    Raises ``ModuleUnavailable`` (the event is retried) when inventory cannot be reached.
    """
    try:
        inventory.release(order_id=order_id)
    except ReservationNotFound:
        pass  # cancelled before anything was reserved
    except ReservationClosed as exc:
        # Only a shipped order's reservation is committed, and shipped orders cannot be
        # cancelled: the two modules disagree, which a person must look at.
        logger.error("orders: cancelled order %s had its stock committed: %s", order_id, exc)


def order_refund_payment(*, order_id: uuid.UUID) -> None:
    """Refund a cancelled order's payment (or void one the gateway never settled). Idempotent;
    no payment is fine. Raises ``ModuleUnavailable`` (retried) while payments is unreachable.
    """
    with contextlib.suppress(PaymentNotFound):  # nothing was ever charged
        payments.refund(order_id=order_id)


def order_mark_shipped(*, order_id: uuid.UUID, note: str = "") -> Order | None:
    """Record that a paid order's parcel left, and take its reserved stock off the shelf.

    A repeated or late event (shipped or delivered already) is a no-op.
    """
    with _atomic():
        order = _locked(order_id)
        if order is None:
            logger.warning("orders: shipped order %s does not exist", order_id)
        elif order.status == Order.Status.PAID:
            _ship(order, note)
        else:
            _ignored("shipped", order)
    return order


def order_mark_delivered(*, order_id: uuid.UUID, note: str = "") -> Order | None:
    """Record a shipped order's delivery. A delivery arriving before the shipped event records
    the shipment first (a delivered parcel has left); a repeated one is a no-op."""
    with _atomic():
        order = _locked(order_id)
        if order is None:
            logger.warning("orders: delivered order %s does not exist", order_id)
            return None
        if order.status == Order.Status.PAID:
            _ship(order, "recorded with the delivery (the shipped event had not arrived yet)")
        if order.status == Order.Status.SHIPPED:
            _enter(order, Order.Status.DELIVERED, note=note)
        elif order.status != Order.Status.DELIVERED:
            _ignored("delivered", order)
    return order


def _ship(order: Order, note: str) -> None:
    try:
        inventory.commit(order_id=order.pk)
    except (ReservationClosed, ReservationNotFound) as exc:
        # The goods left all the same: record the shipment, and say loudly that the stock
        # count needs a hand (inventory's reservation was released, e.g. it expired).
        logger.error("orders: shipped order %s, stock not committed: %s", order.pk, exc)
        note = f"{note} Stock NOT taken off the shelf ({exc.message}): adjust it by hand."
    _enter(order, Order.Status.SHIPPED, note=note.strip())


def _ignored(what: str, order: Order) -> None:
    log = logger.error if order.status == Order.Status.CANCELLED else logger.info
    log("orders: %s event for order %s in status %s ignored", what, order.pk, order.status)


# --- staff operations through other modules ------------------------------------------------------
def order_shipments_ship(*, order_id: uuid.UUID) -> list[Shipment]:
    """Hand the order's pending shipments to the carrier; the shipped ones it marked.

    The order becomes ``shipped`` when shipping's ``ShipmentShipped`` event arrives. Raises
    shipping's ``ShipmentStateConflict``/``ShipmentNotFound`` and ``ModuleUnavailable``.
    """
    pending = [s for s in shipping.shipments_of_order(order_id=order_id) if s.status == "pending"]
    return [shipping.mark_shipped(shipment_id=s.id) for s in pending]


def order_shipments_deliver(*, order_id: uuid.UUID) -> list[Shipment]:
    """Record delivery of the order's shipped shipments; the ones it marked."""
    shipped = [s for s in shipping.shipments_of_order(order_id=order_id) if s.status == "shipped"]
    return [shipping.mark_delivered(shipment_id=s.id) for s in shipped]


def order_refund(*, order_id: uuid.UUID) -> Payment:
    """Refund the payment of a cancelled, shipped or delivered order (returned goods, or a
    compensation to push through now). An order still to be shipped is cancelled instead, so
    that nothing ships unpaid: raises ``OrderNotRefundable``. Also ``OrderNotFound``,
    ``PaymentNotFound``, ``PaymentUnavailable``.
    """
    order = selectors.order_get(order_id=order_id)
    if order.status not in REFUNDABLE:
        raise OrderNotRefundable(
            f"The order is {order.status}: cancel it (with refund) instead.",
            details={"status": order.status},
        )
    return payments.refund(order_id=order.pk)
