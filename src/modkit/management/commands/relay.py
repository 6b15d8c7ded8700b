"""``python manage.py relay``: the outbox relay on its own (see modkit.events.relay)."""

from __future__ import annotations

import signal
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from modkit.events.relay import Relay

# The least values that make sense, from the command line or the settings alike: a batch of 0
# would loop for ever, a poll interval of 0 would spin, a message needs a delivery.
LEAST_BATCH_SIZE, LEAST_POLL_INTERVAL, LEAST_RESEND_AFTER = 1, 0.01, 0.0
LEAST_PER_MESSAGE = 1


def _number(kind: type, least: float, what: str) -> Any:
    def parse(value: str) -> Any:
        number = kind(value)
        if number < least:
            raise ValueError(value)
        return number

    parse.__name__ = what  # argparse names the type in its error: "invalid positive value"
    return parse


class Command(BaseCommand):
    help = "Move events from the outboxes of this process's modules to their subscribers' queues."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size",
            type=_number(int, LEAST_BATCH_SIZE, "positive"),
            help="deliveries claimed per transaction",
        )
        parser.add_argument(
            "--poll-interval",
            type=_number(float, LEAST_POLL_INTERVAL, f"poll interval (>= {LEAST_POLL_INTERVAL})"),
            help="seconds between polls when nothing wakes it",
        )
        parser.add_argument(
            "--resend-after",
            type=_number(float, LEAST_RESEND_AFTER, "non-negative"),
            help="seconds before an unacknowledged delivery is resent",
        )
        parser.add_argument(
            "--deliveries-per-message",
            type=_number(int, LEAST_PER_MESSAGE, "positive"),
            help="most deliveries of one queue sent in one message (1: a message each)",
        )
        parser.add_argument("--once", action="store_true", help="one pass, then exit")

    def handle(self, *args: Any, **options: Any) -> None:
        relay = Relay.from_settings(
            batch_size=options["batch_size"],
            poll_interval=options["poll_interval"],
            resend_after=options["resend_after"],
            per_message=options["deliveries_per_message"],
        )
        if (
            relay.batch_size < LEAST_BATCH_SIZE
            or relay.poll_interval < LEAST_POLL_INTERVAL
            or relay.resend_after < LEAST_RESEND_AFTER
            or relay.per_message < LEAST_PER_MESSAGE
        ):
            raise CommandError(
                f"MODKIT_EVENTS_BATCH_SIZE must be at least {LEAST_BATCH_SIZE}, "
                f"MODKIT_EVENTS_POLL_INTERVAL at least {LEAST_POLL_INTERVAL}, "
                f"MODKIT_EVENTS_RESEND_AFTER at least {LEAST_RESEND_AFTER:g} and "
                f"MODKIT_EVENTS_DELIVERIES_PER_MESSAGE at least {LEAST_PER_MESSAGE} (got "
                f"{relay.batch_size}, {relay.poll_interval}, {relay.resend_after}, "
                f"{relay.per_message})"
            )
        if options["once"]:
            sent = relay.run_once()
            self.stdout.write(f"relay: dispatched {sent} deliveries")
            return

        def stop(signum: int, frame: Any) -> None:
            relay.stop.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(f"relay: watching {', '.join(relay.aliases)}; Ctrl-C stops it")
        self.stdout.flush()
        relay.run_forever()
