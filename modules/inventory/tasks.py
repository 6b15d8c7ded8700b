"""Inventory's Celery tasks (queue ``inventory``)."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="modules.inventory.tasks.release_expired_reservations")
def release_expired_reservations() -> int:
    """Release active reservations past their deadline (beat: every minute); returns how many."""
    return services.reservations_release_expired()
