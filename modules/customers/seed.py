"""Demo customer: a login and profile to try the shop with."""

from __future__ import annotations

from typing import TextIO

from . import selectors, services

DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo-pass-2024!"
DEMO_NAME = "Demo Customer"


def seed(*, stdout: TextIO) -> None:
    """Register the demo customer unless its email is already taken (idempotent)."""
    if selectors.email_taken(email=DEMO_EMAIL):
        stdout.write(f"customers: demo customer {DEMO_EMAIL} exists\n")
    else:
        services.customer_register(email=DEMO_EMAIL, password=DEMO_PASSWORD, name=DEMO_NAME)
        stdout.write(f"customers: demo customer {DEMO_EMAIL} created\n")
    stdout.write(f"customers: demo customer login: {DEMO_EMAIL} / {DEMO_PASSWORD}\n")
