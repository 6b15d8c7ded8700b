"""The raw Celery baseline: a task that does nothing but count its completion in Redis.

Two of them: ``noop`` acknowledges its message after it ran (``acks_late``, as the project's
settings make every task), ``noop_early`` as it starts (Celery's own default, and how
``modkit.deliver`` acknowledges unless ``MODKIT_EVENTS_ACKS_LATE`` is set).
"""

from __future__ import annotations

import os
import time

import redis
from celery import shared_task

NOOP_TASK = "eventbench.noop"
NOOP_QUEUE = "eventbench_noop"
NOOP_EARLY_TASK = "eventbench.noop_early"
NOOP_EARLY_QUEUE = "eventbench_noop_early"
COUNT_KEY = "eventbench:noop:count"
FIRST_KEY = "eventbench:noop:first"
LAST_KEY = "eventbench:noop:last"

_client: redis.Redis | None = None


def client() -> redis.Redis:
    global _client
    if _client is None:
        _client = redis.Redis.from_url(os.environ["EVENTBENCH_REDIS_URL"])
    return _client


@shared_task(name=NOOP_TASK, acks_late=True, ignore_result=True)
def noop(total: int) -> None:
    """Count one completion (one INCR); the first and the ``total``-th also store their time."""
    count(total)


@shared_task(name=NOOP_EARLY_TASK, acks_late=False, ignore_result=True)
def noop_early(total: int) -> None:
    """``noop``, its message acknowledged as it starts."""
    count(total)


def count(total: int) -> None:
    done = client().incr(COUNT_KEY)
    if done == 1:
        client().set(FIRST_KEY, repr(time.time()))
    if done == total:
        client().set(LAST_KEY, repr(time.time()))
