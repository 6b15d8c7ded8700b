"""Publish N Ticked events in transactions of K, as fast as possible or at a fixed rate.

Prints one JSON line: the wall-clock times (``time.time()``) of the first and last commits.
"""

import json
import time

from django.core.management.base import BaseCommand
from django.db import transaction

from modkit.events import publish

from ...events import Ticked


class Command(BaseCommand):
    help = "Publish N emitter.Ticked events (the events benchmark's publisher)."

    def add_arguments(self, parser):
        parser.add_argument("count", type=int)
        parser.add_argument("--phase", default="")
        parser.add_argument("--per-transaction", type=int, default=1)
        parser.add_argument("--rate", type=float, default=0.0, help="events per second (0: fast)")

    def handle(self, *, count, phase, per_transaction, rate, **options):
        first_commit = last_commit = None
        began = time.perf_counter()
        n = 0
        while n < count:
            with transaction.atomic():
                for _ in range(min(per_transaction, count - n)):
                    publish(Ticked(seq=n, phase=phase))
                    n += 1
            last_commit = time.time()
            if first_commit is None:
                first_commit = last_commit
            if rate:
                delay = began + n / rate - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
        elapsed = time.perf_counter() - began
        self.stdout.write(
            json.dumps(
                {
                    "published": n,
                    "first_commit": first_commit,
                    "last_commit": last_commit,
                    "seconds": elapsed,
                }
            )
        )
