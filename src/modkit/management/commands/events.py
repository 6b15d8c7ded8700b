"""``manage.py events``: the state of event deliveries, and redelivering dead letters.

    manage.py events [status [--database ALIAS]]
        per database: deliveries by state, the backlog (pending + dispatched), the age of the
        oldest pending delivery (seconds since its event was committed), and the dead letters
    manage.py events redeliver [ID ...] [--all-dead] [--database ALIAS]
        put the chosen deliveries back to pending, due now, attempts reset: by id (any state
        but done), or every dead letter

Without ``--database`` both act on every database holding a module hosted here. Delivery ids
are per database, so ids need ``--database`` when there is more than one. Bad input (an
unknown id or database, nothing chosen) exits non-zero with a message on stderr.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from modkit.db import module_databases
from modkit.errors import DomainError
from modkit.events.deliveries import DeliveryStatus, delivery_status, redeliver
from modkit.modules import registry

STATUS_HEADER = ("DATABASE", "PENDING", "DISPATCHED", "DONE", "DEAD", "BACKLOG", "OLDEST PENDING")


class Command(BaseCommand):
    help = "Event deliveries: `status` per database, `redeliver` dead letters (or chosen ids)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", metavar="{status,redeliver}")
        status = actions.add_parser("status", help="deliveries by state, backlog, dead letters")
        status.add_argument("--database", help="one database alias (default: every one here)")
        again = actions.add_parser(
            "redeliver", help="put deliveries back to pending, due now, attempts reset"
        )
        again.add_argument("ids", nargs="*", type=int, metavar="ID", help="delivery ids")
        again.add_argument("--all-dead", action="store_true", help="every dead letter")
        again.add_argument("--database", help="one database alias (default: every one here)")

    def handle(self, *args: Any, action: str | None = None, **options: Any) -> None:
        aliases = self.aliases(options.get("database"))
        if action in (None, "status"):
            self.status(aliases)
        else:
            self.redeliver(aliases, ids=options["ids"], all_dead=options["all_dead"])

    def aliases(self, database: str | None) -> list[str]:
        if database is None:
            return module_databases(registry.hosted)
        if database not in connections.settings:
            known = ", ".join(sorted(connections.settings))
            raise CommandError(f"no database {database!r} (the databases are: {known})")
        return [database]

    # --- status --------------------------------------------------------------------------------
    def status(self, aliases: list[str]) -> None:
        statuses = [delivery_status(alias=alias) for alias in aliases]
        rows = [STATUS_HEADER, *(self.status_row(s) for s in statuses)]
        widths = [max(len(row[i]) for row in rows) for i in range(len(STATUS_HEADER))]
        for row in rows:
            self.stdout.write(
                "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
            )
        for s in statuses:
            if s.dead_letters:
                self.stdout.write(
                    f"{s.alias}: {s.dead_letters} dead letter(s); see them in the admin "
                    f"(Dead letters) and, once fixed, run: "
                    f"manage.py events redeliver --all-dead --database {s.alias}"
                )

    @staticmethod
    def status_row(s: DeliveryStatus) -> tuple[str, ...]:
        age = "-" if s.oldest_pending_age is None else f"{s.oldest_pending_age:.1f}s"
        counts = (s.pending, s.dispatched, s.done, s.dead, s.backlog)
        return (s.alias, *map(str, counts), age)

    # --- redeliver -----------------------------------------------------------------------------
    def redeliver(self, aliases: list[str], *, ids: list[int], all_dead: bool) -> None:
        if not ids and not all_dead:
            raise CommandError("choose the deliveries to redeliver: their ids, or --all-dead")
        if ids and len(aliases) > 1:
            raise CommandError(
                "delivery ids are per database and this process has several "
                f"({', '.join(aliases)}): add --database ALIAS"
            )
        for alias in aliases:
            try:
                count = redeliver(alias=alias, ids=ids, all_dead=all_dead)
            except DomainError as exc:
                raise CommandError(exc.message) from exc
            chosen = "dead letters" if all_dead and not ids else "deliveries"
            self.stdout.write(f"{alias}: {count} {chosen} back to pending, due now")
            skipped = len(set(ids)) - count if ids and not all_dead else 0
            if skipped > 0:
                self.stdout.write(f"{alias}: {skipped} of the ids given are done; left alone")
