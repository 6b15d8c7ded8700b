"""Errors that cross module boundaries.

Domain errors are declared in a module's ``contracts.py`` as subclasses of :class:`DomainError`
with a ``code``. They travel through every transport and are re-raised as the same class, so
callers catch them exactly as if the call had been local.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.exceptions import ImproperlyConfigured

_DOMAIN_ERRORS: dict[tuple[str, str], type[DomainError]] = {}


def _package_of(python_module: str) -> str:
    return python_module.rpartition(".")[0] or python_module


class DomainError(Exception):
    """A business rule said no. Declared in ``contracts.py``; part of the module's contract.

    ``code`` is a stable snake_case identifier (it is what crosses the wire and what API clients
    see); ``http_status`` is what the public API answers when the error reaches it.
    """

    code: ClassVar[str] = "domain_error"
    http_status: ClassVar[int] = 400
    default_message: ClassVar[str] = "The request could not be completed."

    def __init__(self, message: str | None = None, *, details: dict[str, Any] | None = None):
        self.message = message or self.default_message
        self.details = details or {}
        super().__init__(self.message)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "code" in cls.__dict__:
            key = (_package_of(cls.__module__), cls.code)
            other = _DOMAIN_ERRORS.get(key)
            if other is not None and other.__qualname__ != cls.__qualname__:
                raise TypeError(
                    f"{cls.__module__}.{cls.__qualname__}: code {cls.code!r} is already used by "
                    f"{other.__qualname__}"
                )
            _DOMAIN_ERRORS[key] = cls


class NotFound(DomainError):
    """The record asked for does not exist (or is not the caller's to see)."""

    code = "not_found"
    http_status = 404
    default_message = "Not found."


class Conflict(DomainError):
    """The record is in a state that does not allow the operation."""

    code = "conflict"
    http_status = 409
    default_message = "The request conflicts with the current state."


class ModuleUnavailable(DomainError):
    """A module this call needs could not be reached. Callers may catch it to degrade."""

    code = "module_unavailable"
    http_status = 503
    default_message = "A service this request needs is unavailable; try again shortly."


def domain_error_class(package: str, code: str) -> type[DomainError] | None:
    """The declared error class for ``code`` in a module package, or a kernel one."""
    return _DOMAIN_ERRORS.get((package, code)) or _DOMAIN_ERRORS.get(("modkit", code))


def declared_errors(package: str) -> list[type[DomainError]]:
    """The domain errors declared in ``package`` (``"modkit"``: the kernel's), by code."""
    return sorted(
        (cls for (pkg, _), cls in _DOMAIN_ERRORS.items() if pkg == package), key=lambda c: c.code
    )


class SerializationError(TypeError):
    """A value cannot cross the wire codec (names the operation and the field)."""


class ConfigurationError(ImproperlyConfigured):
    """The process configuration is inconsistent. The message is one line that names the fix."""
