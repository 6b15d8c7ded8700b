"""``manage.py seed``: demo data for every hosted module, and an admin user. Idempotent.

Each hosted module that declares ``seed`` (a ``seed(*, stdout)`` function, see
:class:`~modkit.modules.ModuleConfig`) is seeded in dependency order, so a module's seed may use
the interfaces of the modules it depends on. Then a superuser ``admin`` is created unless a
superuser exists already; its password is ``MODKIT_ADMIN_PASSWORD`` or a random one, printed once.
"""

from __future__ import annotations

import os
import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.module_loading import import_string

from modkit.modules import registry

ADMIN_USERNAME = "admin"
ADMIN_PASSWORD_ENV = "MODKIT_ADMIN_PASSWORD"
ADMIN_URL = "http://127.0.0.1:8000/admin/"


class Command(BaseCommand):
    help = (
        "Load the demo data of every hosted module (in dependency order) and create the "
        f"superuser '{ADMIN_USERNAME}' if no superuser exists. Safe to run again."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        for spec in registry.ordered(registry.hosted):
            if not spec.config.seed:
                self.stdout.write(f"{spec.name}: no demo data")
                continue
            self.stdout.write(self.style.MIGRATE_HEADING(f"seeding {spec.name}"))
            import_string(spec.config.seed)(stdout=self.stdout)
        self.ensure_admin()
        self.stdout.write(self.style.SUCCESS("seed: done"))

    @transaction.atomic
    def ensure_admin(self) -> None:
        user_model = get_user_model()
        users = user_model._default_manager
        existing = users.filter(is_superuser=True).order_by("pk").first()
        if existing is not None:
            self.stdout.write(
                f"admin: superuser '{existing.get_username()}' exists; its password is unchanged"
            )
            return
        if users.filter(**{user_model.USERNAME_FIELD: ADMIN_USERNAME}).exists():
            raise CommandError(
                f"a user '{ADMIN_USERNAME}' exists but is not a superuser: make it one with "
                f"'manage.py shell' or create a superuser with 'manage.py createsuperuser'"
            )
        password = os.environ.get(ADMIN_PASSWORD_ENV) or secrets.token_urlsafe(12)
        users.create_superuser(
            **{user_model.USERNAME_FIELD: ADMIN_USERNAME},
            email="admin@example.com",
            password=password,
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"admin login: {ADMIN_URL} user={ADMIN_USERNAME} password={password}"
            )
        )
