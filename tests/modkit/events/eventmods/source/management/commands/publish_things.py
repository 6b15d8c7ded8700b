"""Publish N ThingHappened events, each in its own transaction, optionally at a fixed rate."""

import time

from django.core.management.base import BaseCommand
from django.db import transaction

from modkit import correlation
from modkit.events import publish

from ...events import ThingHappened


class Command(BaseCommand):
    def add_arguments(self, parser):
        parser.add_argument("count", type=int)
        parser.add_argument("--start", type=int, default=0)
        parser.add_argument("--per-transaction", type=int, default=1)
        parser.add_argument("--rate", type=float, default=0.0, help="events per second (0: fast)")
        parser.add_argument("--fail-times", type=int, default=0)
        parser.add_argument("--fragile", action="store_true")
        parser.add_argument("--correlation-id", help="as if a request with this id published them")

    def handle(self, *, count, correlation_id, **options):
        with correlation.bound(correlation=correlation_id):
            self.publish(count, **options)
        self.stdout.write(f"published {count}")

    def publish(self, count, *, start, per_transaction, rate, fail_times, fragile, **options):
        began = time.perf_counter()
        n = start
        while n < start + count:
            with transaction.atomic():
                for _ in range(min(per_transaction, start + count - n)):
                    publish(ThingHappened(n=n, fail_times=fail_times, fragile=fragile))
                    n += 1
            if rate:
                delay = began + (n - start) / rate - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
