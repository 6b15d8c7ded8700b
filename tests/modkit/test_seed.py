"""``manage.py seed``: every hosted module's demo data plus an admin; a re-run changes nothing."""

from __future__ import annotations

import io
import re

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from modkit.management.commands.seed import ADMIN_PASSWORD_ENV

pytestmark = pytest.mark.django_db(databases="__all__")

LOGIN = re.compile(
    r"^admin login: http://127\.0\.0\.1:8000/admin/ user=admin password=(\S+)$", re.MULTILINE
)


def seed() -> str:
    out = io.StringIO()
    call_command("seed", stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def superusers() -> list[str]:
    admins = get_user_model().objects.filter(is_superuser=True)
    return list(admins.values_list("username", flat=True))


def test_seeding_twice_changes_nothing() -> None:
    seed()
    first = row_counts()
    output = seed()
    assert row_counts() == first
    assert superusers() == ["admin"]
    assert "superuser 'admin' exists; its password is unchanged" in output
    assert not LOGIN.search(output)


def test_seed_fills_every_hosted_module_that_has_demo_data() -> None:
    from modkit.modules import registry

    seeded = [s for s in registry.ordered(registry.hosted) if s.config.seed]
    seed()
    counts = row_counts()
    for spec in seeded:
        rows = sum(n for label, n in counts.items() if label.startswith(f"{spec.name}."))
        assert rows > 0, f"seed left module {spec.name} empty"


def test_the_printed_password_logs_into_the_admin(client: Client) -> None:
    match = LOGIN.search(seed())
    assert match, "seed printed no admin login"
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "admin", "password": match.group(1), "next": "/admin/"},
        follow=True,
    )
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/admin/"
    assert response.context["user"].is_superuser


def test_the_admin_password_can_be_given(monkeypatch: pytest.MonkeyPatch, client: Client) -> None:
    monkeypatch.setenv(ADMIN_PASSWORD_ENV, "chosen-Passw0rd")
    assert "password=chosen-Passw0rd" in seed()
    assert client.login(username="admin", password="chosen-Passw0rd")


def test_an_existing_superuser_is_left_alone() -> None:
    get_user_model().objects.create_superuser("boss", "boss@example.com", "boss-pass-123")
    output = seed()
    assert superusers() == ["boss"]
    assert "superuser 'boss' exists; its password is unchanged" in output
    assert get_user_model().objects.get(username="boss").check_password("boss-pass-123")
