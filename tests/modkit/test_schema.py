"""``manage.py modules schema <module>``: a module's contract as OpenAPI 3.1 (modkit.schema).

The documents are checked against the OpenAPI 3.1 specification, and their JSON Schemas against
what the wire codec and the event encoder actually produce, so that a reimplementation written
from the schema would interoperate.
"""

import json
import uuid
from datetime import UTC, datetime
from io import StringIO

import jsonschema
import pytest
from django.core.management import CommandError, call_command
from django.utils.module_loading import import_string
from openapi_spec_validator import validate

from modkit.checks import published_events
from modkit.events.types import encode_event
from modkit.modules import registry
from modules.inventory.contracts import InsufficientStock, Reservation, ReserveLine
from modules.inventory.interface import InventoryService
from modules.orders.events import OrderPlaced


def schema_command(module: str) -> dict:
    out = StringIO()
    call_command("modules", "schema", module, stdout=out)
    return json.loads(out.getvalue())


def validator(document: dict, schema: dict) -> jsonschema.Draft202012Validator:
    """Validates against ``schema``, its ``#/components/schemas/...`` refs resolved in
    ``document``."""
    root = {**schema, "components": document["components"]}
    return jsonschema.Draft202012Validator(root, format_checker=jsonschema.FormatChecker())


@pytest.mark.parametrize("module", sorted(registry.specs))
def test_every_module_has_a_valid_openapi_31_document(module):
    document = schema_command(module)
    validate(document)  # raises on anything the OpenAPI 3.1 specification forbids
    for name, schema in document["components"]["schemas"].items():
        try:
            jsonschema.Draft202012Validator.check_schema(schema)
        except jsonschema.SchemaError as exc:
            pytest.fail(f"{module}: component {name}: {exc.message}")
    spec = registry.specs[module]
    assert document["x-modkit"]["module"] == module
    assert document["x-modkit"]["queue"] == spec.queue
    assert document["x-modkit"]["depends_on"] == list(spec.depends_on)
    operations = import_string(spec.interface_path).__operations__
    assert sorted(document["paths"]) == sorted(
        f"/internal/rpc/{module}/{name}/" for name in operations
    )
    events = [e.event_name for e in published_events(spec)]
    assert sorted(document["webhooks"]) == sorted(events) == document["x-modkit"]["publishes"]


def test_an_operation_is_its_rpc_call_with_the_codec_s_json():
    document = schema_command("inventory")
    reserve = document["paths"]["/internal/rpc/inventory/reserve/"]["post"]
    assert reserve["operationId"] == "inventory.reserve"
    assert reserve["x-modkit-idempotent"] is True
    assert reserve["summary"].startswith("Reserve every line for ``order_id`` or nothing.")
    codec = InventoryService.__operations__["reserve"].codec

    args = reserve["requestBody"]["content"]["application/json"]["schema"]
    line = ReserveLine(sku="A-1", quantity=2)
    sent = codec.encode_args({"order_id": uuid.uuid4(), "lines": [line]})
    validator(document, args).validate(json.loads(sent))
    wrong = {"order_id": "not a uuid", "lines": [{"sku": "A-1"}], "colour": "red"}
    assert len(list(validator(document, args).iter_errors(wrong))) >= 2

    result = reserve["responses"]["200"]["content"]["application/json"]["schema"]
    answer = Reservation(
        order_id=uuid.uuid4(),
        state="active",
        lines=(line,),
        expires_at=datetime.now(UTC),
    )
    validator(document, result).validate(json.loads(codec.encode_result(answer)))

    error = reserve["responses"]["default"]["content"]["application/json"]["schema"]
    raised = codec.encode_error(InsufficientStock(details={"skus": ["A-1"]}))
    validator(document, error).validate(json.loads(raised))
    assert {"code": "insufficient_stock", "http_status": 409, "name": "InsufficientStock"} in (
        document["x-modkit"]["errors"]
    )


def test_a_published_event_is_a_webhook_with_the_event_s_json():
    document = schema_command("orders")
    assert "orders.OrderPlaced" in document["x-modkit"]["publishes"]
    assert "shipping.ShipmentShipped" in document["x-modkit"]["consumes"]
    placed = document["webhooks"]["orders.OrderPlaced"]["post"]
    schema = placed["requestBody"]["content"]["application/json"]["schema"]
    event = OrderPlaced(order_id=uuid.uuid4(), customer_id=7)
    validator(document, schema).validate(json.loads(encode_event(event)))
    with pytest.raises(jsonschema.ValidationError, match="order_id"):
        validator(document, schema).validate({"customer_id": 7})
    # Every event carries its id (the inbox's key) and the other base fields.
    without_id = json.loads(encode_event(event))
    del without_id["event_id"]
    with pytest.raises(jsonschema.ValidationError, match="event_id"):
        validator(document, schema).validate(without_id)


def test_an_unknown_module_is_refused_naming_the_modules():
    with pytest.raises(CommandError, match=r"no module 'nope' \(the modules: catalog, "):
        call_command("modules", "schema", "nope")
