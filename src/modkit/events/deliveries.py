"""Operating the deliveries of one database: their status, and redelivering dead letters.

Both ``manage.py events`` and the admin call these, so the command line and the admin agree.
Each call is about one database alias: delivery ids are per database (every database that
hosts a module has an outbox of its own).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Min, Q
from django.utils import timezone

from ..errors import DomainError


class NothingToRedeliver(DomainError):
    """``redeliver`` was called with no ids and without ``all_dead``."""

    code = "nothing_to_redeliver"
    default_message = "Choose the deliveries to redeliver: their ids, or all dead letters."


class UnknownDelivery(DomainError):
    """An id given to ``redeliver`` names no delivery on that database."""

    code = "unknown_delivery"
    http_status = 404


@dataclass(frozen=True)
class DeliveryStatus:
    """The deliveries of one database, by state, at one moment."""

    alias: str
    pending: int
    dispatched: int
    done: int
    dead: int
    oldest_pending_age: float | None  # seconds since the oldest pending delivery's event

    @property
    def backlog(self) -> int:
        """Deliveries not yet applied and not parked: waiting for the relay or a worker."""
        return self.pending + self.dispatched

    @property
    def dead_letters(self) -> int:
        return self.dead

    def by_state(self) -> dict[str, int]:
        return {
            "pending": self.pending,
            "dispatched": self.dispatched,
            "done": self.done,
            "dead": self.dead,
        }


def delivery_status(*, alias: str) -> DeliveryStatus:
    """Counts by state and the age of the oldest pending delivery on database ``alias``.

    The age counts from the event's commit, so a delivery waiting out its retry backoff grows
    older too: a growing age means deliveries are late, whatever the reason.
    """
    from ..models import Delivery

    deliveries = Delivery.objects.using(alias)
    counts = {
        row["state"]: row["n"]
        for row in deliveries.order_by().values("state").annotate(n=Count("id"))
    }
    oldest = deliveries.filter(state=Delivery.State.PENDING).aggregate(
        oldest=Min("event__created_at")
    )["oldest"]
    return DeliveryStatus(
        alias=alias,
        pending=counts.get(Delivery.State.PENDING, 0),
        dispatched=counts.get(Delivery.State.DISPATCHED, 0),
        done=counts.get(Delivery.State.DONE, 0),
        dead=counts.get(Delivery.State.DEAD, 0),
        oldest_pending_age=(
            None if oldest is None else max(0.0, (timezone.now() - oldest).total_seconds())
        ),
    )


def redeliver(*, alias: str, ids: Iterable[int] | None = None, all_dead: bool = False) -> int:
    """Put deliveries back to pending, due now, with their attempts reset; returns how many.

    ``all_dead`` chooses every dead letter of database ``alias``; ``ids`` chooses deliveries by
    id, in any state but done (a dispatched one is then sent again, and the subscriber's inbox
    absorbs the duplicate). Done deliveries among ``ids`` are left alone and not counted. The
    last error and traceback stay until the handler succeeds. Raises ``NothingToRedeliver``
    when nothing is chosen and ``UnknownDelivery`` (changing nothing) for an id that is not
    on the database.
    """
    from ..models import Delivery

    wanted = sorted(set(ids or ()))
    if not wanted and not all_dead:
        raise NothingToRedeliver()
    deliveries = Delivery.objects.using(alias)
    with transaction.atomic(using=alias):
        if wanted:
            found = set(deliveries.filter(pk__in=wanted).values_list("pk", flat=True))
            missing = [pk for pk in wanted if pk not in found]
            if missing:
                raise UnknownDelivery(
                    f"no delivery {', '.join(map(str, missing))} on database {alias!r}",
                    details={"ids": missing, "database": alias},
                )
        chosen = Q(state=Delivery.State.DEAD) if all_dead else Q()
        if wanted:
            chosen |= Q(pk__in=wanted) & ~Q(state=Delivery.State.DONE)
        return deliveries.filter(chosen).update(
            state=Delivery.State.PENDING, next_attempt_at=timezone.now(), attempts=0
        )
