"""The wire codec: msgspec JSON for interface arguments, results, errors and events.

One codec for every transport, so the loopback transport in tests exercises exactly what a
remote call would put on the wire.
"""

from __future__ import annotations

import inspect
import typing
from functools import cached_property
from typing import Any

import msgspec

from .errors import DomainError, SerializationError, domain_error_class

_encoder = msgspec.json.Encoder(decimal_format="string")


def encode(value: Any) -> bytes:
    return _encoder.encode(value)


class _WireError(msgspec.Struct, frozen=True):
    code: str
    message: str
    details: dict[str, Any] = {}
    package: str = ""  # the package that declares the error: it may not be the callee's


class _Envelope(msgspec.Struct, frozen=True):
    error: _WireError


class OperationCodec:
    """Encodes and decodes one operation's arguments, result and domain errors."""

    def __init__(self, qualname: str, package: str, func: Any):
        self.qualname = qualname
        self.package = package
        self._func = func

    @cached_property
    def _hints(self) -> dict[str, Any]:
        return typing.get_type_hints(self._func)

    @cached_property
    def args_type(self) -> type[msgspec.Struct]:
        fields = []
        for name, param in inspect.signature(self._func).parameters.items():
            if name == "self":
                continue
            hint = self._hints.get(name, Any)
            if param.default is inspect.Parameter.empty:
                fields.append((name, hint))
            else:
                fields.append((name, hint, param.default))
        return msgspec.defstruct(
            f"{self.qualname}.args", fields, kw_only=True, forbid_unknown_fields=True
        )

    @cached_property
    def result_type(self) -> Any:
        return self._hints.get("return", Any)

    @cached_property
    def _args_decoder(self) -> msgspec.json.Decoder:
        return msgspec.json.Decoder(self.args_type)

    @cached_property
    def _result_decoder(self) -> msgspec.json.Decoder:
        return msgspec.json.Decoder(self.result_type)

    def build(self) -> None:
        """Build every decoder now; raises ``TypeError`` if a declared type cannot be carried."""
        self._args_decoder  # noqa: B018
        self._result_decoder  # noqa: B018

    # arguments -------------------------------------------------------------------------
    def encode_args(self, kwargs: dict[str, Any]) -> bytes:
        try:
            return _encoder.encode(kwargs)
        except (TypeError, ValueError, OverflowError) as exc:
            field = _offending_field(kwargs)
            raise SerializationError(
                f"{self.qualname}: argument {field!r} cannot be encoded: {exc}"
            ) from exc

    def decode_args(self, data: bytes) -> dict[str, Any]:
        try:
            args = self._args_decoder.decode(data)
        except msgspec.ValidationError as exc:
            raise SerializationError(f"{self.qualname}: invalid arguments: {exc}") from exc
        return {f: getattr(args, f) for f in args.__struct_fields__}

    # results ---------------------------------------------------------------------------
    def encode_result(self, value: Any) -> bytes:
        try:
            return _encoder.encode(value)
        except (TypeError, ValueError, OverflowError) as exc:
            field = _offending_field(_as_mapping(value)) if _as_mapping(value) else None
            where = f"result field {field!r}" if field else "result"
            raise SerializationError(f"{self.qualname}: {where} cannot be encoded: {exc}") from exc

    def decode_result(self, data: bytes) -> Any:
        try:
            return self._result_decoder.decode(data)
        except msgspec.ValidationError as exc:
            raise SerializationError(f"{self.qualname}: invalid result: {exc}") from exc

    # domain errors ---------------------------------------------------------------------
    def encode_error(self, error: DomainError) -> bytes:
        wire = _WireError(
            code=error.code,
            message=error.message,
            details=error.details,
            package=type(error).__module__.rpartition(".")[0],
        )
        return _encoder.encode(_Envelope(wire))

    def decode_error(self, data: bytes) -> DomainError:
        wire = msgspec.json.decode(data, type=_Envelope).error
        cls = (
            domain_error_class(wire.package or self.package, wire.code)
            or domain_error_class(self.package, wire.code)
            or DomainError
        )
        return cls(wire.message, details=wire.details)


def _as_mapping(value: Any) -> dict[str, Any] | None:
    if isinstance(value, msgspec.Struct):
        return {f: getattr(value, f) for f in value.__struct_fields__}
    if isinstance(value, dict):
        return {str(k): v for k, v in value.items()}
    return None


def _offending_field(values: dict[str, Any]) -> str:
    for name, value in values.items():
        try:
            _encoder.encode(value)
        except (TypeError, ValueError, OverflowError):
            inner = _as_mapping(value)
            if inner:
                return f"{name}.{_offending_field(inner)}"
            if isinstance(value, list | tuple):
                for i, item in enumerate(value):
                    try:
                        _encoder.encode(item)
                    except (TypeError, ValueError, OverflowError):
                        sub = _as_mapping(item)
                        return f"{name}[{i}]" + (f".{_offending_field(sub)}" if sub else "")
            return name
    return "?"
