"""Customers DTOs and domain errors: what crosses the module boundary."""

from __future__ import annotations

from datetime import datetime

import msgspec

from modkit.errors import Conflict, DomainError, NotFound


class Customer(msgspec.Struct, frozen=True, kw_only=True):
    """A registered customer. ``user_id`` is the id of the login (the JWT's ``user_id``)."""

    id: int
    user_id: int
    email: str
    name: str
    created_at: datetime


class UnknownCustomer(NotFound):
    """No customer has this id, or the login has no customer profile."""

    code = "unknown_customer"
    default_message = "Unknown customer."


class EmailTaken(Conflict):
    """A customer or a login already uses this email (compared case-insensitively)."""

    code = "email_taken"
    default_message = "This email is already registered."


class InvalidCustomer(DomainError):
    """The registration data is invalid. ``details`` maps each bad field to its messages."""

    code = "invalid_customer"
    default_message = "The customer data is invalid."
