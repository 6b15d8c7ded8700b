"""``manage.py payments_gateway``: the outage switch and latency from the command line."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from modules.payments.contracts import PaymentUnavailable
from modules.payments.interface import payments
from modules.payments.models import GatewaySwitch

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = StringIO()
    call_command("payments_gateway", *args, stdout=out)
    return out.getvalue().strip()


def test_down_and_up_toggle_the_outage_every_call_sees(order_id) -> None:
    assert _run("--down") == "payment gateway DOWN, latency 0 ms"
    with pytest.raises(PaymentUnavailable):
        payments.authorize(
            order_id=order_id, amount=Decimal("5.00"), currency="EUR", token="tok_ok"
        )

    assert _run("--up") == "payment gateway up, latency 0 ms"
    payment = payments.authorize(
        order_id=order_id, amount=Decimal("5.00"), currency="EUR", token="tok_ok"
    )
    assert payment.status == "authorized"


def test_status_prints_the_state_and_changes_nothing() -> None:
    assert _run("--status") == "payment gateway up, latency 0 ms"
    assert _run() == "payment gateway up, latency 0 ms"
    assert not GatewaySwitch.objects.exists()

    _run("--down")

    assert _run("--status") == "payment gateway DOWN, latency 0 ms"


def test_latency_is_set_alone_or_with_a_state() -> None:
    assert _run("--latency", "150") == "payment gateway up, latency 150 ms"
    assert _run("--down", "--latency", "0") == "payment gateway DOWN, latency 0 ms"


@pytest.mark.parametrize("args", [("--down", "--up"), ("--latency", "-5")])
def test_contradictory_or_negative_arguments_are_refused(args) -> None:
    with pytest.raises(CommandError):
        _run(*args)

    assert not GatewaySwitch.objects.exists()
