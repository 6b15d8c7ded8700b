"""Audit's local implementation (forgets everything)."""

from __future__ import annotations

from .interface import AuditService


class AuditServiceImpl(AuditService):
    def record(self, *, what: str) -> None:
        return None
