"""Services: the write rules, checked directly against the database rows."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from modules.inventory import services
from modules.inventory.contracts import (
    InsufficientStock,
    InvalidQuantity,
    ReservationClosed,
    ReservationNotFound,
    UnknownSku,
)
from modules.inventory.models import Reservation, StockAdjustment, StockItem

pytestmark = pytest.mark.django_db


def _row(sku: str) -> tuple[int, int]:
    item = StockItem.objects.get(sku=sku)
    return item.on_hand, item.reserved


def test_stock_adjust_creates_the_sku_and_records_the_adjustment() -> None:
    item = services.stock_adjust(sku="NEW-1", delta=7, reason="delivery PO-1")

    assert (item.sku, item.on_hand, item.reserved) == ("NEW-1", 7, 0)
    audit = StockAdjustment.objects.get(sku="NEW-1")
    assert (audit.delta, audit.reason, audit.on_hand_after, audit.order_id) == (
        7,
        "delivery PO-1",
        7,
        None,
    )


def test_stock_adjust_refuses_to_drop_on_hand_below_reserved(stock, order_id) -> None:
    stock("A-1", 5)
    services.reservation_create(order_id=order_id, lines=[("A-1", 4)])

    with pytest.raises(InvalidQuantity) as exc_info:
        services.stock_adjust(sku="A-1", delta=-2, reason="breakage")

    assert exc_info.value.details == {"sku": "A-1", "delta": -2, "on_hand": 5, "reserved": 4}
    assert _row("A-1") == (5, 4)
    assert StockAdjustment.objects.filter(sku="A-1").count() == 1


def test_stock_adjust_of_an_unknown_sku_below_zero_creates_nothing() -> None:
    with pytest.raises(InvalidQuantity):
        services.stock_adjust(sku="GHOST", delta=-1, reason="typo")

    assert not StockItem.objects.filter(sku="GHOST").exists()
    assert not StockAdjustment.objects.exists()


def test_stock_adjust_refuses_more_units_than_the_column_holds(stock) -> None:
    stock("A-1", 1)

    with pytest.raises(InvalidQuantity):
        services.stock_adjust(sku="A-1", delta=services.MAX_UNITS, reason="fat finger")

    assert _row("A-1") == (1, 0)


@pytest.mark.parametrize("delta", [1.5, True, "3"])
def test_stock_adjust_refuses_a_delta_that_is_not_a_whole_number(stock, delta) -> None:
    stock("A-1", 1)

    with pytest.raises(InvalidQuantity):
        services.stock_adjust(sku="A-1", delta=delta, reason="bad input")


def test_reservation_create_holds_every_line(stock, order_id, settings) -> None:
    stock("A-1", 5)
    stock("B-2", 5)
    now = timezone.now()

    reservation = services.reservation_create(
        order_id=order_id, lines=[("B-2", 2), ("A-1", 3)], now=now
    )

    assert reservation.state == Reservation.State.ACTIVE
    assert [(li.sku, li.quantity) for li in reservation.lines.all()] == [("A-1", 3), ("B-2", 2)]
    assert reservation.expires_at == now + timedelta(
        seconds=settings.MODKIT_RESERVATION_TTL_SECONDS
    )
    assert _row("A-1") == (5, 3)
    assert _row("B-2") == (5, 2)


def test_reservation_create_uses_the_configured_ttl(stock, order_id, settings) -> None:
    settings.MODKIT_RESERVATION_TTL_SECONDS = 60
    stock("A-1", 1)
    now = timezone.now()

    reservation = services.reservation_create(order_id=order_id, lines=[("A-1", 1)], now=now)

    assert reservation.expires_at == now + timedelta(seconds=60)


def test_reservation_create_holds_nothing_when_one_line_is_short(stock, order_id) -> None:
    stock("A-1", 5)
    stock("B-2", 1)

    with pytest.raises(InsufficientStock) as exc_info:
        services.reservation_create(order_id=order_id, lines=[("A-1", 5), ("B-2", 2)])

    assert exc_info.value.details == {
        "skus": ["B-2"],
        "requested": {"B-2": 2},
        "available": {"B-2": 1},
    }
    assert _row("A-1") == (5, 0)
    assert _row("B-2") == (1, 0)
    assert not Reservation.objects.exists()


def test_reservation_create_counts_units_already_reserved(stock) -> None:
    stock("A-1", 5)
    services.reservation_create(order_id=uuid.uuid4(), lines=[("A-1", 4)])

    with pytest.raises(InsufficientStock):
        services.reservation_create(order_id=uuid.uuid4(), lines=[("A-1", 2)])

    assert _row("A-1") == (5, 4)


def test_reservation_create_names_every_unknown_sku(stock, order_id) -> None:
    stock("A-1", 5)

    with pytest.raises(UnknownSku) as exc_info:
        services.reservation_create(order_id=order_id, lines=[("Z-9", 1), ("A-1", 1), ("Y-8", 1)])

    assert exc_info.value.details == {"skus": ["Y-8", "Z-9"]}
    assert _row("A-1") == (5, 0)
    assert not Reservation.objects.exists()


@pytest.mark.parametrize(
    ("lines", "bad"),
    [
        ([("A-1", 0)], ["A-1"]),
        ([("A-1", -1)], ["A-1"]),
        ([("A-1", 2), ("B-2", 0)], ["B-2"]),
        ([("A-1", 1.0)], ["A-1"]),
        ([("A-1", True)], ["A-1"]),
        ([("A-1", 1), ("A-1", 1)], ["A-1"]),
        ([], []),
    ],
)
def test_reservation_create_refuses_invalid_lines(stock, order_id, lines, bad) -> None:
    stock("A-1", 5)
    stock("B-2", 5)

    with pytest.raises(InvalidQuantity) as exc_info:
        services.reservation_create(order_id=order_id, lines=lines)

    assert exc_info.value.details == {"skus": bad}
    assert not Reservation.objects.exists()
    assert _row("A-1") == (5, 0)


def test_reservation_create_is_idempotent_per_order(stock, order_id) -> None:
    stock("A-1", 5)
    first = services.reservation_create(order_id=order_id, lines=[("A-1", 2)])

    again = services.reservation_create(order_id=order_id, lines=[("A-1", 3)])

    assert again.pk == first.pk
    assert [(li.sku, li.quantity) for li in again.lines.all()] == [("A-1", 2)]
    assert again.expires_at == first.expires_at
    assert _row("A-1") == (5, 2)


@pytest.mark.parametrize("close", [services.reservation_release, services.reservation_commit])
def test_reservation_create_refuses_an_order_whose_reservation_is_closed(
    stock, order_id, close
) -> None:
    stock("A-1", 5)
    services.reservation_create(order_id=order_id, lines=[("A-1", 2)])
    close(order_id=order_id)

    with pytest.raises(ReservationClosed):
        services.reservation_create(order_id=order_id, lines=[("A-1", 2)])


def test_reservation_release_returns_the_units_once(stock, order_id) -> None:
    stock("A-1", 5)
    services.reservation_create(order_id=order_id, lines=[("A-1", 2)])

    first = services.reservation_release(order_id=order_id)
    closed_at = first.closed_at
    second = services.reservation_release(order_id=order_id)

    assert (second.state, second.closed_at) == (Reservation.State.RELEASED, closed_at)
    assert _row("A-1") == (5, 0)


def test_reservation_commit_takes_the_units_off_the_shelf_once(stock, order_id) -> None:
    stock("A-1", 5)
    stock("B-2", 5)
    services.reservation_create(order_id=order_id, lines=[("A-1", 2), ("B-2", 1)])

    services.reservation_commit(order_id=order_id)
    again = services.reservation_commit(order_id=order_id)

    assert again.state == Reservation.State.COMMITTED
    assert _row("A-1") == (3, 0)
    assert _row("B-2") == (4, 0)
    audit = StockAdjustment.objects.filter(order_id=order_id).order_by("sku")
    assert [(a.sku, a.delta, a.on_hand_after) for a in audit] == [("A-1", -2, 3), ("B-2", -1, 4)]


def test_reservation_commit_after_release_is_refused(stock, order_id) -> None:
    stock("A-1", 5)
    services.reservation_create(order_id=order_id, lines=[("A-1", 2)])
    services.reservation_release(order_id=order_id)

    with pytest.raises(ReservationClosed) as exc_info:
        services.reservation_commit(order_id=order_id)

    assert exc_info.value.details == {"order_id": str(order_id), "state": "released"}
    assert _row("A-1") == (5, 0)


def test_reservation_release_after_commit_is_refused(stock, order_id) -> None:
    stock("A-1", 5)
    services.reservation_create(order_id=order_id, lines=[("A-1", 2)])
    services.reservation_commit(order_id=order_id)

    with pytest.raises(ReservationClosed):
        services.reservation_release(order_id=order_id)

    assert _row("A-1") == (3, 0)


@pytest.mark.parametrize("operation", [services.reservation_release, services.reservation_commit])
def test_closing_an_unknown_reservation_is_not_found(order_id, operation) -> None:
    with pytest.raises(ReservationNotFound):
        operation(order_id=order_id)


def test_release_expired_releases_only_active_reservations_past_their_deadline(stock) -> None:
    stock("A-1", 10)
    now = timezone.now()
    overdue, fresh, committed = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    services.reservation_create(order_id=overdue, lines=[("A-1", 1)], now=now - timedelta(hours=1))
    services.reservation_create(order_id=fresh, lines=[("A-1", 2)], now=now)
    services.reservation_create(
        order_id=committed, lines=[("A-1", 3)], now=now - timedelta(hours=1)
    )
    services.reservation_commit(order_id=committed)

    released = services.reservations_release_expired(now=now)

    assert released == 1
    states = dict(Reservation.objects.values_list("order_id", "state"))
    assert states == {overdue: "released", fresh: "active", committed: "committed"}
    assert _row("A-1") == (7, 2)
    assert services.reservations_release_expired(now=now) == 0


def test_expire_skips_a_reservation_closed_since_it_was_listed(stock, order_id) -> None:
    stock("A-1", 5)
    reservation = services.reservation_create(
        order_id=order_id, lines=[("A-1", 2)], now=timezone.now() - timedelta(hours=1)
    )
    services.reservation_commit(order_id=order_id)

    assert services.reservation_expire(reservation_id=reservation.pk, now=timezone.now()) is False
    assert _row("A-1") == (3, 0)


def test_the_database_refuses_reserving_more_than_on_hand(stock) -> None:
    stock("A-1", 1)

    with pytest.raises(IntegrityError), transaction.atomic():
        StockItem.objects.filter(sku="A-1").update(reserved=F("reserved") + 2)
