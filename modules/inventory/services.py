"""Writes to inventory state: stock adjustments and the reservation lifecycle.

Locking discipline (it is what keeps concurrent reserve/release/commit/expiry free of
deadlocks on PostgreSQL): a transaction takes at most one ``Reservation`` row lock, and takes
it first; then it locks the ``StockItem`` rows it needs, in ascending sku order, in one query.
Every counter change is an ``F()`` update on a row the transaction holds, and the database
check ``reserved <= on_hand`` backs the arithmetic.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .contracts import (
    InsufficientStock,
    InvalidQuantity,
    ReservationClosed,
    ReservationNotFound,
    UnknownSku,
)
from .models import Reservation, ReservationLine, StockAdjustment, StockItem
from .selectors import reservation_ids_expired

# The column limit of PositiveIntegerField on every supported database.
MAX_UNITS = 2**31 - 1


# --- stock ------------------------------------------------------------------------------------
@transaction.atomic
def stock_adjust(*, sku: str, delta: int, reason: str, order_id: UUID | None = None) -> StockItem:
    """Add ``delta`` units on hand (remove if negative), creating the sku's row; audited.

    Raises ``InvalidQuantity`` if ``delta`` is not a whole number, or if units on hand would
    drop below what is reserved or exceed what the column holds; nothing is written then.
    """
    if not _is_int(delta):
        raise InvalidQuantity(
            "The adjustment must be a whole number of units.", details={"sku": sku}
        )
    item, _ = StockItem.objects.select_for_update().get_or_create(sku=sku)
    on_hand_after = item.on_hand + delta
    if on_hand_after < item.reserved or on_hand_after > MAX_UNITS:
        raise InvalidQuantity(
            f"Cannot adjust {sku} by {delta}: {item.on_hand} on hand, {item.reserved} reserved.",
            details={
                "sku": sku,
                "delta": delta,
                "on_hand": item.on_hand,
                "reserved": item.reserved,
            },
        )
    StockItem.objects.filter(pk=item.pk).update(
        on_hand=F("on_hand") + delta, updated_at=timezone.now()
    )
    StockAdjustment.objects.create(
        sku=sku, delta=delta, reason=reason, on_hand_after=on_hand_after, order_id=order_id
    )
    item.refresh_from_db()
    return item


def _locked_stock(skus: Sequence[str]) -> dict[str, StockItem]:
    """Lock the rows of ``skus`` in ascending sku order (one global order: no deadlocks)."""
    rows = StockItem.objects.select_for_update().filter(sku__in=skus).order_by("sku")
    return {item.sku: item for item in rows}


# --- reservations -----------------------------------------------------------------------------
@transaction.atomic
def reservation_create(
    *, order_id: UUID, lines: Sequence[tuple[str, int]], now: datetime | None = None
) -> Reservation:
    """Hold every ``(sku, quantity)`` line for ``order_id``, or nothing.

    Idempotent per order: an active reservation is returned unchanged (whatever ``lines``
    say); a committed or released one raises ``ReservationClosed``. Raises
    ``InvalidQuantity``, ``UnknownSku`` and ``InsufficientStock`` with nothing held.
    """
    wanted = _validated_lines(lines)
    existing = Reservation.objects.filter(order_id=order_id).first()
    if existing is not None:
        return _still_active(existing)
    now = now or timezone.now()
    expires_at = now + timedelta(seconds=settings.MODKIT_RESERVATION_TTL_SECONDS)
    reservation, created = _claim(order_id, expires_at)
    if not created:
        return _still_active(reservation)
    stock = _locked_stock(sorted(wanted))
    _check_available(wanted, stock)
    for sku in sorted(wanted):
        StockItem.objects.filter(pk=stock[sku].pk).update(
            reserved=F("reserved") + wanted[sku], updated_at=now
        )
    ReservationLine.objects.bulk_create(
        ReservationLine(reservation=reservation, sku=sku, quantity=wanted[sku])
        for sku in sorted(wanted)
    )
    return reservation


def _validated_lines(lines: Sequence[tuple[str, int]]) -> dict[str, int]:
    if not lines:
        raise InvalidQuantity("A reservation needs at least one line.", details={"skus": []})
    bad = sorted({sku for sku, qty in lines if not _is_int(qty) or qty <= 0})
    if bad:
        raise InvalidQuantity("Quantities must be positive integers.", details={"skus": bad})
    repeated = sorted(sku for sku, n in Counter(sku for sku, _ in lines).items() if n > 1)
    if repeated:
        raise InvalidQuantity("Each sku may appear on one line only.", details={"skus": repeated})
    return dict(lines)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _claim(order_id: UUID, expires_at: datetime) -> tuple[Reservation, bool]:
    """Insert the order's reservation row, or return the one a concurrent call committed.

    The unique ``order_id`` serializes two reserves of the same order: the second insert waits
    for the first transaction and then fails, and we read what the first one left.
    """
    try:
        with transaction.atomic():
            return Reservation.objects.create(order_id=order_id, expires_at=expires_at), True
    except IntegrityError:
        return Reservation.objects.get(order_id=order_id), False


def _still_active(reservation: Reservation) -> Reservation:
    if reservation.state != Reservation.State.ACTIVE:
        raise ReservationClosed(
            f"The reservation for order {reservation.order_id} is {reservation.state}.",
            details={"order_id": str(reservation.order_id), "state": reservation.state},
        )
    return reservation


def _check_available(wanted: dict[str, int], stock: dict[str, StockItem]) -> None:
    unknown = sorted(set(wanted) - set(stock))
    if unknown:
        raise UnknownSku(f"No stock is kept for {', '.join(unknown)}.", details={"skus": unknown})
    short = sorted(sku for sku, qty in wanted.items() if stock[sku].available < qty)
    if short:
        raise InsufficientStock(
            f"Not enough stock of {', '.join(short)}.",
            details={
                "skus": short,
                "requested": {sku: wanted[sku] for sku in short},
                "available": {sku: stock[sku].available for sku in short},
            },
        )


@transaction.atomic
def reservation_release(*, order_id: UUID, now: datetime | None = None) -> Reservation:
    """Return an active reservation's units to available stock; a released one is left as is.

    Raises ``ReservationNotFound``, or ``ReservationClosed`` if it was committed.
    """
    reservation = _locked_reservation(order_id)
    if reservation.state == Reservation.State.RELEASED:
        return reservation
    if reservation.state == Reservation.State.COMMITTED:
        raise _closed(reservation, "released")
    return _release(reservation, now or timezone.now())


@transaction.atomic
def reservation_hold(*, order_id: UUID) -> Reservation:
    """Keep an active reservation until it is committed or released: it no longer expires.

    Idempotent. Raises ``ReservationNotFound``, or ``ReservationClosed`` if it was released (or
    had expired); a committed one is returned as is.
    """
    reservation = _locked_reservation(order_id)
    if reservation.state == Reservation.State.COMMITTED:
        return reservation
    if reservation.state == Reservation.State.RELEASED:
        raise _closed(reservation, "held")
    if reservation.expires_at is not None:
        reservation.expires_at = None
        reservation.save(update_fields=["expires_at"])
    return reservation


@transaction.atomic
def reservation_commit(*, order_id: UUID, now: datetime | None = None) -> Reservation:
    """Take an active reservation's units off the shelf (on hand and reserved both drop).

    A committed one is left as is. Each line is recorded as a ``StockAdjustment`` of the order.
    Raises ``ReservationNotFound``, or ``ReservationClosed`` if it was released (or expired).
    """
    reservation = _locked_reservation(order_id)
    if reservation.state == Reservation.State.COMMITTED:
        return reservation
    if reservation.state == Reservation.State.RELEASED:
        raise _closed(reservation, "committed")
    now = now or timezone.now()
    lines = list(reservation.lines.order_by("sku"))
    stock = _locked_stock([line.sku for line in lines])
    for line in lines:
        item = stock[line.sku]
        StockItem.objects.filter(pk=item.pk).update(
            on_hand=F("on_hand") - line.quantity,
            reserved=F("reserved") - line.quantity,
            updated_at=now,
        )
        StockAdjustment.objects.create(
            sku=line.sku,
            delta=-line.quantity,
            reason=f"order {reservation.order_id} committed",
            on_hand_after=item.on_hand - line.quantity,
            order_id=reservation.order_id,
        )
    return _close(reservation, Reservation.State.COMMITTED, now)


def reservations_release_expired(*, now: datetime | None = None) -> int:
    """Release every active reservation whose deadline has passed; returns how many.

    One short transaction per reservation, taking the same locks in the same order as
    ``reservation_release``, so it is safe to run next to releases, commits and another sweep:
    a reservation committed or released meanwhile is skipped.
    """
    now = now or timezone.now()
    return sum(
        reservation_expire(reservation_id=pk, now=now) for pk in reservation_ids_expired(now=now)
    )


@transaction.atomic
def reservation_expire(*, reservation_id: int, now: datetime) -> bool:
    """Release one reservation if it is still active and past its deadline at ``now``."""
    reservation = (
        Reservation.objects.select_for_update()
        .filter(pk=reservation_id, state=Reservation.State.ACTIVE, expires_at__lte=now)
        .first()
    )
    if reservation is None:
        return False
    _release(reservation, now)
    return True


def _locked_reservation(order_id: UUID) -> Reservation:
    reservation = Reservation.objects.select_for_update().filter(order_id=order_id).first()
    if reservation is None:
        raise ReservationNotFound(
            f"No reservation for order {order_id}.", details={"order_id": str(order_id)}
        )
    return reservation


def _release(reservation: Reservation, now: datetime) -> Reservation:
    lines = list(reservation.lines.order_by("sku"))
    stock = _locked_stock([line.sku for line in lines])
    for line in lines:
        StockItem.objects.filter(pk=stock[line.sku].pk).update(
            reserved=F("reserved") - line.quantity, updated_at=now
        )
    return _close(reservation, Reservation.State.RELEASED, now)


def _close(reservation: Reservation, state: str, now: datetime) -> Reservation:
    reservation.state = state
    reservation.closed_at = now
    reservation.save(update_fields=["state", "closed_at"])
    return reservation


def _closed(reservation: Reservation, wanted: str) -> ReservationClosed:
    return ReservationClosed(
        f"The reservation for order {reservation.order_id} is {reservation.state}; "
        f"it cannot be {wanted}.",
        details={"order_id": str(reservation.order_id), "state": reservation.state},
    )
