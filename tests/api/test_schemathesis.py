"""Property-based tests of every public API operation, generated from the OpenAPI schema.

The schema is the application's own: fetched from ``/api/schema/`` through the WSGI application
of ``config.wsgi`` at collection time, so it lists the operations of whatever modules this
process hosts (``MODKIT_MODULES``). Every operation under ``/api/v1/`` becomes one test item per
kind of caller its ``security`` admits, ``test_api_operation[METHOD /path][anonymous|customer]``:
a module that lands with new endpoints is covered without touching this file. Requests go to
the same WSGI application in-process, inside the test's database transaction (rolled back after
each item), with every hosted module's demo data seeded; a ``customer`` sends the bearer token
of a customer registered and logged in through the API.

Each item runs schemathesis' examples, coverage (boundary and invalid values) and fuzzing
phases with valid and invalid inputs, and every response must:

- not be a 5xx (the failure shows the server's traceback, and a curl line to reproduce it);
- if it is a 4xx (or 5xx), be exactly ``{"error": {"code", "message", "details"}}`` with a
  snake_case code, a non-empty message and an object of details (CONTRACT §5);
- have a status code, content type, headers and body the schema documents for the operation
  (a view documents its errors with ``modkit.api.schema.error_responses``);
- be a 4xx when the request violates the schema (schemathesis' negative data rejection).

Runs are deterministic. ``SCHEMATHESIS_MAX_EXAMPLES`` (default 25) sets the fuzzing examples per
item, on top of the examples and coverage cases; ``SCHEMATHESIS_SEED`` (default 0) picks another
reproducible set of inputs. To search harder, or elsewhere::

    SCHEMATHESIS_MAX_EXAMPLES=500 .venv/bin/pytest tests/api
    SCHEMATHESIS_SEED=7 .venv/bin/pytest tests/api -k "customers"
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.cache import cache
from hypothesis import HealthCheck, settings
from schemathesis.generation.hypothesis.builder import ApiOperationMark
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application

from .checks import ServerErrorLog, error_shape, no_server_error

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "25"))
SEED = int(os.environ.get("SCHEMATHESIS_SEED", "0"))

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        # No example database: a run depends on the seed alone, and writes nothing to disk.
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
        # Stateful sequences need links between operations, which the schema doesn't declare.
        "phases": {"stateful": {"enabled": False}},
    }
)

schema = schemathesis.openapi.from_wsgi("/api/schema/", application, config=CONFIG).include(
    path_regex=r"^/api/v1/"
)

pytestmark = [
    pytest.mark.django_db(databases="__all__"),
    pytest.mark.usefixtures("wsgi_shares_test_transaction", "seeded"),
]


def callers(operation: schemathesis.APIOperation) -> list[str]:
    """Who may call ``operation`` by its schema: ``anonymous`` where no login is needed (no
    ``security``, or an empty requirement among them), ``customer`` where one is accepted."""
    security = operation.definition.raw.get("security") or []
    admitted = {"anonymous": not security or {} in security, "customer": any(security)}
    return [caller for caller, yes in admitted.items() if yes]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """One test per operation and caller, e.g. ``test_api_operation[GET /api/v1/...][customer]``.

    (The caller's id also keeps the test ids distinct: pytest 9.2 builds an item's id from its
    parametrization, and schemathesis 4 names each operation's item without one.)
    """
    operation = ApiOperationMark.get(metafunc.function)
    if operation is not None:
        metafunc.parametrize("caller", callers(operation))


@schema.parametrize()
# The database fixtures are per operation on purpose: its examples share the seeded data.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_api_operation(
    case: schemathesis.Case,
    caller: str,
    server_errors: ServerErrorLog,
    request: pytest.FixtureRequest,
) -> None:
    headers = request.getfixturevalue("customer_headers") if caller == "customer" else {}
    # Fresh throttle counters for each example, so that more examples don't turn into 429s.
    cache.clear()
    server_errors.forget()
    response = case.call(headers=headers)
    case.validate_response(
        response,
        headers=headers,
        checks=[
            no_server_error(server_errors),
            error_shape,
            status_code_conformance,
            content_type_conformance,
            response_headers_conformance,
            response_schema_conformance,
            negative_data_rejection,
        ],
    )
