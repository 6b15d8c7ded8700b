"""The simulated gateway on its own: behaviour by token, idempotency keys, outage and latency."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from modules.payments.gateway import (
    Gateway,
    GatewayTransientError,
    GatewayUnreachable,
    switch_get,
    switch_set,
)
from modules.payments.models import GatewayCharge, GatewayRequest, GatewaySwitch

pytestmark = pytest.mark.django_db


@pytest.fixture
def gw() -> Gateway:
    return Gateway()


def _charge(gw: Gateway, key: str = "order-1", token: str = "tok_ok"):
    return gw.charge(idempotency_key=key, amount=Decimal("10.00"), currency="EUR", token=token)


def _results(key: str = "order-1") -> list[tuple[str, str]]:
    return list(
        GatewayRequest.objects.filter(idempotency_key=key)
        .order_by("id")
        .values_list("operation", "result")
    )


def test_tok_ok_approves_and_keeps_the_charge(gw) -> None:
    receipt = _charge(gw)

    charge = GatewayCharge.objects.get()
    assert (receipt.outcome, receipt.reference) == ("approved", charge.reference)
    assert (charge.idempotency_key, charge.amount, charge.currency, charge.token) == (
        "order-1",
        Decimal("10.00"),
        "EUR",
        "tok_ok",
    )
    assert receipt.refunded_at is None


def test_the_same_key_returns_the_same_charge_whatever_the_arguments(gw) -> None:
    first = _charge(gw)
    again = gw.charge(
        idempotency_key="order-1", amount=Decimal("99.00"), currency="USD", token="tok_declined"
    )

    assert again == first
    assert GatewayCharge.objects.count() == 1
    assert _results() == [("charge", "approved"), ("charge", "replayed")]


def test_tok_declined_declines_without_raising(gw) -> None:
    receipt = _charge(gw, token="tok_declined")

    assert (receipt.outcome, receipt.decline_reason) == ("declined", "The card was declined.")


def test_any_other_token_declines_with_a_reason(gw) -> None:
    receipt = _charge(gw, token="4242424242424242")

    assert receipt.outcome == "declined"
    assert "'4242424242424242'" in receipt.decline_reason
    assert "tok_ok, tok_declined and tok_flaky" in receipt.decline_reason


def test_tok_flaky_fails_twice_per_key_then_approves(gw) -> None:
    for _ in range(2):
        with pytest.raises(GatewayTransientError):
            _charge(gw, token="tok_flaky")
    with pytest.raises(GatewayTransientError):
        _charge(gw, key="order-2", token="tok_flaky")  # another key counts on its own

    receipt = _charge(gw, token="tok_flaky")

    assert receipt.outcome == "approved"
    assert _results() == [("charge", "transient"), ("charge", "transient"), ("charge", "approved")]
    assert GatewayCharge.objects.filter(outcome="approved").count() == 1


def test_while_down_every_call_is_unreachable_and_nothing_happens(gw) -> None:
    _charge(gw, key="charged")
    switch_set(down=True)

    with pytest.raises(GatewayUnreachable):
        _charge(gw, token="tok_flaky")
    with pytest.raises(GatewayUnreachable):
        gw.refund(idempotency_key="charged")

    assert not GatewayCharge.objects.filter(idempotency_key="order-1").exists()
    assert GatewayCharge.objects.get(idempotency_key="charged").refunded_at is None
    switch_set(down=False)
    with pytest.raises(GatewayTransientError):
        _charge(gw, token="tok_flaky")  # calls refused while down are not tok_flaky's failures
    assert _results() == [("charge", "unreachable"), ("charge", "transient")]


def test_refund_gives_the_money_back_once(gw) -> None:
    _charge(gw)

    first = gw.refund(idempotency_key="order-1")
    again = gw.refund(idempotency_key="order-1")

    assert first.refunded_at is not None
    assert again == first
    assert _results() == [
        ("charge", "approved"),
        ("refund", "refunded"),
        ("refund", "nothing to refund"),
    ]


def test_refund_of_a_declined_charge_gives_nothing_back(gw) -> None:
    _charge(gw, token="tok_declined")

    receipt = gw.refund(idempotency_key="order-1")

    assert (receipt.outcome, receipt.refunded_at) == ("declined", None)


def test_refund_before_any_charge_voids_the_key(gw) -> None:
    voided = gw.refund(idempotency_key="order-1")

    later = _charge(gw)

    assert voided.outcome == "voided"
    assert later == voided
    assert not GatewayCharge.objects.filter(outcome="approved").exists()


def test_latency_is_added_to_every_call(gw) -> None:
    switch_set(latency_ms=60)

    started = time.monotonic()
    _charge(gw)

    assert time.monotonic() - started >= 0.06


def test_the_switch_is_up_without_latency_until_set() -> None:
    switch = switch_get()

    assert (switch.down, switch.latency_ms) == (False, 0)
    assert not GatewaySwitch.objects.exists()


def test_setting_one_switch_keeps_the_other() -> None:
    switch_set(latency_ms=25)
    switch_set(down=True)

    switch = switch_get()
    assert (switch.down, switch.latency_ms) == (True, 25)
    assert str(switch) == "payment gateway DOWN, latency 25 ms"


def test_a_negative_latency_is_refused() -> None:
    with pytest.raises(ValueError, match="latency_ms"):
        switch_set(latency_ms=-1)

    assert switch_get().latency_ms == 0
