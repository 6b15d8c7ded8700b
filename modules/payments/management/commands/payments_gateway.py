"""``python manage.py payments_gateway --down|--up|--status [--latency MS]``

Switches the simulated payment gateway's outage on or off (every process sees it at once: the
switch is a row), sets its added latency, and prints its state.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from modules.payments import gateway


class Command(BaseCommand):
    help = "Take the simulated payment gateway down or bring it up; show or set its latency."

    def add_arguments(self, parser: CommandParser) -> None:
        state = parser.add_mutually_exclusive_group()
        state.add_argument(
            "--down", action="store_true", help="every gateway call fails as unreachable"
        )
        state.add_argument("--up", action="store_true", help="end the outage")
        state.add_argument("--status", action="store_true", help="print the state (the default)")
        parser.add_argument(
            "--latency", type=int, metavar="MS", help="milliseconds added to every gateway call"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        latency = options["latency"]
        if latency is not None and latency < 0:
            raise CommandError("--latency must be 0 or more milliseconds")
        down = True if options["down"] else False if options["up"] else None
        if down is None and latency is None:
            switch = gateway.switch_get()
        else:
            switch = gateway.switch_set(down=down, latency_ms=latency)
        self.stdout.write(str(switch))
