"""Ledger DTOs and domain errors."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec

from modkit.errors import Conflict, NotFound


class Entry(msgspec.Struct, frozen=True, kw_only=True):
    """One posting to an account; ``memo`` holds any JSON values."""

    account: str
    amount: Decimal
    memo: list[Any] = []


class Balance(msgspec.Struct, frozen=True, kw_only=True):
    """What an account holds."""

    account: str
    amount: Decimal


class UnknownAccount(NotFound):
    """No such account. ``details["account"]`` names it."""

    code = "unknown_account"


class Overdrawn(Conflict):
    """The posting would take the account below zero. ``details`` says by how much."""

    code = "overdrawn"
