"""The public interface, over every transport: DTOs and domain errors survive the wire."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from modules.inventory.apps import InventoryConfig
from modules.inventory.contracts import (
    InsufficientStock,
    InvalidQuantity,
    Reservation,
    ReservationClosed,
    ReservationNotFound,
    ReserveLine,
    StockLevel,
    UnknownSku,
)
from modules.inventory.interface import inventory
from modules.inventory.models import StockAdjustment
from modules.inventory.tasks import release_expired_reservations

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelf(transport):
    """A-1 x5 and B-2 x3 on the shelf, put there through the interface."""
    inventory.adjust_stock(sku="A-1", delta=5, reason="delivery")
    inventory.adjust_stock(sku="B-2", delta=3, reason="delivery")


def _level(sku: str, on_hand: int, reserved: int) -> StockLevel:
    return StockLevel(sku=sku, on_hand=on_hand, reserved=reserved, available=on_hand - reserved)


def _lines(*pairs: tuple[str, int]) -> list[ReserveLine]:
    return [ReserveLine(sku=sku, quantity=qty) for sku, qty in pairs]


def test_get_stock_returns_the_stock_level(shelf) -> None:
    level = inventory.get_stock(sku="A-1")

    assert level == _level("A-1", 5, 0)


def test_get_stock_of_an_unknown_sku_raises_unknown_sku(shelf) -> None:
    with pytest.raises(UnknownSku) as exc_info:
        inventory.get_stock(sku="NOPE")

    assert exc_info.value.details == {"skus": ["NOPE"]}


def test_get_availability_leaves_unknown_skus_out(shelf, order_id) -> None:
    inventory.reserve(order_id=order_id, lines=_lines(("A-1", 2)))

    assert inventory.get_availability(skus=["A-1", "B-2", "NOPE"]) == {"A-1": 3, "B-2": 3}


def test_reserve_holds_every_line(shelf, order_id, settings) -> None:
    before = timezone.now()

    reservation = inventory.reserve(order_id=order_id, lines=_lines(("B-2", 3), ("A-1", 2)))

    assert isinstance(reservation, Reservation)
    assert reservation.order_id == order_id
    assert isinstance(reservation.order_id, uuid.UUID)
    assert reservation.state == "active"
    assert reservation.lines == (
        ReserveLine(sku="A-1", quantity=2),
        ReserveLine(sku="B-2", quantity=3),
    )
    assert isinstance(reservation.expires_at, datetime)
    ttl = timedelta(seconds=settings.MODKIT_RESERVATION_TTL_SECONDS)
    assert before + ttl <= reservation.expires_at <= timezone.now() + ttl
    assert inventory.get_stock(sku="A-1") == _level("A-1", 5, 2)
    assert inventory.get_stock(sku="B-2").available == 0


def test_reserve_short_stock_raises_and_reserves_nothing(shelf, order_id) -> None:
    with pytest.raises(InsufficientStock) as exc_info:
        inventory.reserve(order_id=order_id, lines=_lines(("A-1", 5), ("B-2", 4)))

    assert exc_info.value.details["skus"] == ["B-2"]
    assert inventory.get_availability(skus=["A-1", "B-2"]) == {"A-1": 5, "B-2": 3}
    with pytest.raises(ReservationNotFound):
        inventory.release(order_id=order_id)


def test_reserve_unknown_sku_raises_and_reserves_nothing(shelf, order_id) -> None:
    with pytest.raises(UnknownSku) as exc_info:
        inventory.reserve(order_id=order_id, lines=_lines(("A-1", 1), ("NOPE", 1)))

    assert exc_info.value.details == {"skus": ["NOPE"]}
    assert inventory.get_stock(sku="A-1").reserved == 0


@pytest.mark.parametrize("quantity", [0, -1])
def test_reserve_refuses_a_quantity_that_is_not_positive(shelf, order_id, quantity) -> None:
    with pytest.raises(InvalidQuantity) as exc_info:
        inventory.reserve(order_id=order_id, lines=_lines(("A-1", 1), ("B-2", quantity)))

    assert exc_info.value.details == {"skus": ["B-2"]}
    assert inventory.get_stock(sku="A-1").reserved == 0


def test_reserve_refuses_a_sku_on_two_lines(shelf, order_id) -> None:
    with pytest.raises(InvalidQuantity) as exc_info:
        inventory.reserve(order_id=order_id, lines=_lines(("A-1", 1), ("A-1", 1)))

    assert exc_info.value.details == {"skus": ["A-1"]}
    assert inventory.get_stock(sku="A-1").reserved == 0


def test_reserve_again_returns_the_active_reservation_unchanged(shelf, order_id) -> None:
    first = inventory.reserve(order_id=order_id, lines=_lines(("A-1", 2)))

    again = inventory.reserve(order_id=order_id, lines=_lines(("A-1", 4), ("B-2", 1)))

    assert again == first
    assert inventory.get_stock(sku="A-1").reserved == 2
    assert inventory.get_stock(sku="B-2").reserved == 0


def test_release_twice_returns_the_units_once(shelf, order_id) -> None:
    inventory.reserve(order_id=order_id, lines=_lines(("A-1", 2)))

    first = inventory.release(order_id=order_id)
    second = inventory.release(order_id=order_id)

    assert first.state == second.state == "released"
    assert first == second
    assert inventory.get_stock(sku="A-1") == _level("A-1", 5, 0)


def test_commit_twice_takes_the_units_once(shelf, order_id) -> None:
    inventory.reserve(order_id=order_id, lines=_lines(("A-1", 2)))

    first = inventory.commit(order_id=order_id)
    second = inventory.commit(order_id=order_id)

    assert first.state == second.state == "committed"
    assert first == second
    assert inventory.get_stock(sku="A-1") == _level("A-1", 3, 0)


def test_commit_after_release_raises_reservation_closed(shelf, order_id) -> None:
    inventory.reserve(order_id=order_id, lines=_lines(("A-1", 2)))
    inventory.release(order_id=order_id)

    with pytest.raises(ReservationClosed) as exc_info:
        inventory.commit(order_id=order_id)

    assert exc_info.value.details == {"order_id": str(order_id), "state": "released"}
    assert inventory.get_stock(sku="A-1").on_hand == 5


def test_release_after_commit_raises_reservation_closed(shelf, order_id) -> None:
    inventory.reserve(order_id=order_id, lines=_lines(("A-1", 2)))
    inventory.commit(order_id=order_id)

    with pytest.raises(ReservationClosed):
        inventory.release(order_id=order_id)

    assert inventory.get_stock(sku="A-1") == _level("A-1", 3, 0)


def test_reserve_after_release_raises_reservation_closed(shelf, order_id) -> None:
    inventory.reserve(order_id=order_id, lines=_lines(("A-1", 2)))
    inventory.release(order_id=order_id)

    with pytest.raises(ReservationClosed):
        inventory.reserve(order_id=order_id, lines=_lines(("A-1", 2)))


@pytest.mark.parametrize("operation", ["release", "commit"])
def test_closing_an_unknown_reservation_raises_not_found(shelf, order_id, operation) -> None:
    with pytest.raises(ReservationNotFound) as exc_info:
        getattr(inventory, operation)(order_id=order_id)

    assert exc_info.value.details == {"order_id": str(order_id)}


def test_the_expiry_task_releases_overdue_reservations(shelf, order_id, settings) -> None:
    settings.MODKIT_RESERVATION_TTL_SECONDS = 0
    inventory.reserve(order_id=order_id, lines=_lines(("A-1", 2)))
    assert inventory.get_stock(sku="A-1").reserved == 2

    released = release_expired_reservations.apply().get()

    assert released == 1
    assert inventory.get_stock(sku="A-1").reserved == 0
    assert inventory.release(order_id=order_id).state == "released"
    with pytest.raises(ReservationClosed):
        inventory.commit(order_id=order_id)


def test_the_expiry_task_leaves_reservations_within_their_ttl(shelf, order_id) -> None:
    inventory.reserve(order_id=order_id, lines=_lines(("A-1", 2)))

    assert release_expired_reservations() == 0
    assert inventory.get_stock(sku="A-1").reserved == 2


def test_the_beat_entry_names_the_expiry_task() -> None:
    entry = InventoryConfig.periodic_tasks["release-expired-reservations"]

    assert entry["task"] == release_expired_reservations.name


def test_adjust_stock_records_each_adjustment(shelf, order_id) -> None:
    inventory.reserve(order_id=order_id, lines=_lines(("A-1", 2)))

    level = inventory.adjust_stock(sku="A-1", delta=-3, reason="damaged in storage")

    assert level == _level("A-1", 2, 2)
    audit = list(StockAdjustment.objects.filter(sku="A-1").order_by("id"))
    assert [(a.delta, a.reason, a.on_hand_after) for a in audit] == [
        (5, "delivery", 5),
        (-3, "damaged in storage", 2),
    ]


def test_adjust_stock_below_reserved_raises_and_records_nothing(shelf, order_id) -> None:
    inventory.reserve(order_id=order_id, lines=_lines(("A-1", 2)))

    with pytest.raises(InvalidQuantity) as exc_info:
        inventory.adjust_stock(sku="A-1", delta=-4, reason="stock count")

    assert exc_info.value.details == {"sku": "A-1", "delta": -4, "on_hand": 5, "reserved": 2}
    assert inventory.get_stock(sku="A-1").on_hand == 5
    assert StockAdjustment.objects.filter(sku="A-1").count() == 1


def test_adjust_stock_creates_a_new_sku(shelf) -> None:
    assert inventory.adjust_stock(sku="C-3", delta=4, reason="new product") == StockLevel(
        sku="C-3", on_hand=4, reserved=0, available=4
    )


def test_a_held_reservation_never_expires_but_still_commits(transport):
    from datetime import timedelta
    from uuid import uuid4

    from django.utils import timezone

    from modules.inventory.contracts import ReserveLine
    from modules.inventory.interface import inventory
    from modules.inventory.services import reservations_release_expired

    inventory.adjust_stock(sku="HOLD-1", delta=5, reason="test")
    order_id = uuid4()
    inventory.reserve(order_id=order_id, lines=[ReserveLine(sku="HOLD-1", quantity=2)])
    held = inventory.hold(order_id=order_id)
    assert held.expires_at is None
    assert inventory.hold(order_id=order_id) == held  # idempotent
    assert reservations_release_expired(now=timezone.now() + timedelta(days=30)) == 0
    assert inventory.get_stock(sku="HOLD-1").reserved == 2
    assert inventory.commit(order_id=order_id).state == "committed"
    assert inventory.get_stock(sku="HOLD-1").on_hand == 3


def test_holding_a_released_reservation_is_refused(transport):
    from uuid import uuid4

    import pytest

    from modules.inventory.contracts import ReservationClosed, ReserveLine
    from modules.inventory.interface import inventory

    inventory.adjust_stock(sku="HOLD-2", delta=1, reason="test")
    order_id = uuid4()
    inventory.reserve(order_id=order_id, lines=[ReserveLine(sku="HOLD-2", quantity=1)])
    inventory.release(order_id=order_id)
    with pytest.raises(ReservationClosed):
        inventory.hold(order_id=order_id)
