"""The event base type and the registry of event types by name."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

import msgspec

from ..errors import SerializationError

_EVENT_TYPES: dict[str, type[Event]] = {}


def _now() -> datetime:
    return datetime.now(UTC)


class Event(msgspec.Struct, frozen=True, kw_only=True):
    """Base of every event: a fact, named in the past tense, that a module publishes.

    Declare events in a module's ``events.py``; the name is ``<module>.<ClassName>``
    (``orders.OrderPlaced``). ``publish()`` fills ``correlation_id`` and ``causation_id`` from the
    current context; ``version`` is bumped by the publisher when the payload changes
    incompatibly (consumers may branch on it).
    """

    event_id: uuid.UUID = msgspec.field(default_factory=uuid.uuid4)
    occurred_at: datetime = msgspec.field(default_factory=_now)
    correlation_id: str | None = None
    causation_id: str | None = None
    version: int = 1

    event_name: ClassVar[str] = ""
    module: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        package = cls.__module__.rpartition(".")[0]
        cls.module = package.rpartition(".")[2]
        cls.event_name = f"{cls.module}.{cls.__name__}"
        _EVENT_TYPES[cls.event_name] = cls


def event_type(name: str) -> type[Event]:
    """The event class named ``name`` (its module's ``events.py`` must have been imported)."""
    try:
        return _EVENT_TYPES[name]
    except KeyError:
        raise LookupError(f"unknown event type {name!r}") from None


def event_types() -> dict[str, type[Event]]:
    return dict(_EVENT_TYPES)


_encoder = msgspec.json.Encoder(decimal_format="string")
_decoders: dict[type, msgspec.json.Decoder] = {}


def encode_event(event: Event) -> bytes:
    try:
        return _encoder.encode(event)
    except (TypeError, ValueError) as exc:
        raise SerializationError(f"{event.event_name}: cannot be encoded: {exc}") from exc


def decode_event(name: str, payload: bytes | str) -> Event:
    cls = event_type(name)
    decoder = _decoders.get(cls)
    if decoder is None:
        decoder = _decoders[cls] = msgspec.json.Decoder(cls)
    return decoder.decode(payload)
