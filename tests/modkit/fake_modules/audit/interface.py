"""The audit interface and its delegate, ``audit``."""

from __future__ import annotations

from modkit.interfaces import Interface, delegate


class AuditService(Interface):
    """A write-only trail of what happened."""

    module = "audit"

    def record(self, *, what: str) -> None:
        """Remember ``what``."""
        raise NotImplementedError


audit = delegate(AuditService)
