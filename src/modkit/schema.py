"""A module's contract as one OpenAPI 3.1 document: ``manage.py modules schema <module>``.

Everything another implementation of the module (in any language) must honour, or that a caller
of it may rely on, read from the code that enforces it:

- each interface operation, as the signed RPC transport carries it: a ``POST`` of its arguments
  to ``/internal/rpc/<module>/<operation>/`` (CONTRACT §5), answered with its result, or with
  the domain-error envelope; ``x-modkit-idempotent`` says whether a caller may retry it;
- each event the module publishes, as an OpenAPI ``webhook`` (a request the module sends): the
  event's JSON as the relay delivers it;
- the events it consumes, its queue, its dependencies and its declared domain errors, under
  ``x-modkit``.

Not in it: how RPC calls are signed (the HTTP transport is not built yet), and how events travel
(as Celery messages on the subscriber's queue, not as HTTP requests: a webhook here describes the
event's JSON, which is what a reimplementation publishes or handles).

The JSON Schemas come from msgspec (``msgspec.json.schema_components``), from the same types the
wire codec encodes with, so a schema cannot drift from what crosses the wire.
"""

from __future__ import annotations

import inspect
from typing import Any

import msgspec
from django.utils.module_loading import import_string

from .checks import published_events
from .errors import DomainError, declared_errors
from .events.subscriptions import subscriptions
from .modules import ModuleSpec

OPENAPI_VERSION = "3.1.0"
REF = "#/components/schemas/{name}"
ERROR_SCHEMA = "modkit.DomainErrorEnvelope"
# Every event carries these: msgspec marks them optional (they have defaults), but the encoder
# always writes them, and the consumer's exactly-once rests on ``event_id``.
EVENT_BASE_FIELDS = ("event_id", "occurred_at", "correlation_id", "causation_id", "version")


def rpc_path(module: str, operation: str) -> str:
    return f"/internal/rpc/{module}/{operation}/"


def module_errors(spec: ModuleSpec) -> list[type[DomainError]]:
    """The domain errors declared in the module's package, then the kernel's, by code."""
    return declared_errors(spec.package) + declared_errors("modkit")


def module_schema(spec: ModuleSpec) -> dict[str, Any]:
    """The OpenAPI 3.1 document of module ``spec`` (see the module docstring)."""
    interface = import_string(spec.interface_path) if spec.interface_path else None
    operations = list(interface.__operations__.values()) if interface is not None else []
    events = published_events(spec)
    for op in operations:
        op.codec.build()  # a type the codec cannot carry fails here, naming the operation

    types: list[Any] = []
    for op in operations:
        types += [op.codec.args_type, op.codec.result_type]
    types += events
    refs, components = msgspec.json.schema_components(types, ref_template=REF)
    for ref in refs[2 * len(operations) :]:
        event_schema = components[ref["$ref"].rpartition("/")[2]]
        event_schema["required"] = [*EVENT_BASE_FIELDS, *event_schema.get("required", [])]
    errors = module_errors(spec)
    components[ERROR_SCHEMA] = _error_envelope(errors)

    paths: dict[str, Any] = {}
    for i, op in enumerate(operations):
        args, result = refs[2 * i], refs[2 * i + 1]
        paths[rpc_path(spec.name, op.name)] = {
            "post": {
                "operationId": op.qualname,
                "summary": _summary(op.doc),
                "description": op.doc,
                "x-modkit-idempotent": op.idempotent,
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": args}},
                },
                "responses": {
                    "200": {
                        "description": "The operation's result.",
                        "content": {"application/json": {"schema": result}},
                    },
                    "default": {
                        "description": "A domain error, re-raised as the same class by the "
                        "caller (the module's own are listed in x-modkit.errors).",
                        "content": {
                            "application/json": {"schema": {"$ref": REF.format(name=ERROR_SCHEMA)}}
                        },
                    },
                },
            }
        }

    webhooks: dict[str, Any] = {}
    for event, ref in zip(events, refs[2 * len(operations) :], strict=True):
        webhooks[event.event_name] = {
            "post": {
                "operationId": event.event_name,
                "summary": _summary(inspect.getdoc(event) or ""),
                "description": inspect.getdoc(event) or "",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ref}},
                },
                "responses": {"200": {"description": "Handled (once per handler)."}},
            }
        }

    consumed = sorted({s.event for s in subscriptions() if s.module == spec.name})
    doc = (inspect.getdoc(interface) if interface is not None else "") or ""
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": f"{spec.name} module",
            "version": "1",
            "description": doc,
        },
        "paths": paths,
        "webhooks": webhooks,
        "components": {"schemas": dict(sorted(components.items()))},
        "x-modkit": {
            "module": spec.name,
            "queue": spec.queue,
            "depends_on": list(spec.depends_on),
            "publishes": [e.event_name for e in events],
            "consumes": consumed,
            "errors": [
                {"code": e.code, "http_status": e.http_status, "name": e.__name__} for e in errors
            ],
        },
    }


def _summary(doc: str) -> str:
    """The docstring's first paragraph, on one line."""
    return " ".join(doc.split("\n\n")[0].split())


def _error_envelope(errors: list[type[DomainError]]) -> dict[str, Any]:
    """The wire codec's error envelope (``modkit.codec._Envelope``)."""
    return {
        "title": "DomainErrorEnvelope",
        "type": "object",
        "properties": {
            "error": {
                "type": "object",
                "properties": {
                    "code": {
                        "type": "string",
                        "description": "The error's code: the module's own ("
                        + ", ".join(e.code for e in errors)
                        + "), or one declared by the package the error names",
                    },
                    "message": {"type": "string"},
                    "details": {"type": "object"},
                    "package": {
                        "type": "string",
                        "description": "The Python package that declares the error",
                    },
                },
                "required": ["code", "message"],
            }
        },
        "required": ["error"],
    }
