"""``python manage.py relay``: the outbox relay on its own (see modkit.events.relay)."""

from __future__ import annotations

import signal
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from modkit.events.relay import Relay


class Command(BaseCommand):
    help = "Move events from the outboxes of this process's modules to their subscribers' queues."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, help="deliveries claimed per transaction")
        parser.add_argument(
            "--poll-interval", type=float, help="seconds between polls when nothing wakes it"
        )
        parser.add_argument(
            "--resend-after", type=float, help="seconds before an unacknowledged delivery is resent"
        )
        parser.add_argument("--once", action="store_true", help="one pass, then exit")

    def handle(self, *args: Any, **options: Any) -> None:
        relay = Relay.from_settings(
            batch_size=options["batch_size"],
            poll_interval=options["poll_interval"],
            resend_after=options["resend_after"],
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
