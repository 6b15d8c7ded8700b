"""Payments services: retry timing, resuming after a crash, and races with the gateway."""

from __future__ import annotations

import time
import uuid
from decimal import Decimal

import pytest

from modules.payments import gateway, services
from modules.payments.contracts import PaymentDeclined, PaymentUnavailable
from modules.payments.gateway import Gateway, GatewayTransientError
from modules.payments.models import GatewayCharge, Payment

pytestmark = pytest.mark.django_db


def _authorize(order_id: uuid.UUID, token: str = "tok_ok") -> Payment:
    return services.payment_authorize(
        order_id=order_id, amount=Decimal("10.00"), currency="EUR", token=token
    )


@pytest.fixture
def planned_waits():
    """The waits stamina plans between attempts, as its retry hooks report them."""
    from stamina import instrumentation

    waits: list[float] = []
    hooks = instrumentation.get_on_retry_hooks()
    instrumentation.set_on_retry_hooks([lambda details: waits.append(details.wait_for)])
    yield waits
    instrumentation.set_on_retry_hooks(hooks)


def test_the_default_retries_back_off_between_four_attempts(
    order_id, settings, planned_waits
) -> None:
    for name in ("WAIT_INITIAL", "WAIT_MAX", "WAIT_JITTER"):
        delattr(settings, f"MODKIT_PAYMENTS_RETRY_{name}")
    # The waits are planned, not timed: a slow machine must not let the 1 s timeout cut in.
    settings.MODKIT_PAYMENTS_RETRY_TIMEOUT = 60
    gateway.switch_set(down=True)

    with pytest.raises(PaymentUnavailable) as exc_info:
        _authorize(order_id)

    assert exc_info.value.details["attempts"] == 4
    assert len(planned_waits) == 3
    for wait, base in zip(planned_waits, (0.05, 0.1, 0.2), strict=True):
        assert base <= wait <= base + 0.05, planned_waits  # exponential, plus up to 0.05 jitter
    assert services.RETRY_DEFAULTS["timeout"] == 1.0  # what bounds them when the gateway is slow


def test_the_timeout_cuts_the_retries_short(order_id, settings, planned_waits) -> None:
    settings.MODKIT_PAYMENTS_RETRY_ATTEMPTS = 50
    settings.MODKIT_PAYMENTS_RETRY_TIMEOUT = 0.3
    settings.MODKIT_PAYMENTS_RETRY_WAIT_INITIAL = 0.1
    settings.MODKIT_PAYMENTS_RETRY_WAIT_MAX = 0.1
    settings.MODKIT_PAYMENTS_RETRY_WAIT_JITTER = 0
    gateway.switch_set(down=True)

    started = time.monotonic()
    with pytest.raises(PaymentUnavailable) as exc_info:
        _authorize(order_id)
    elapsed = time.monotonic() - started

    attempts = exc_info.value.details["attempts"]
    assert 1 <= attempts <= 5, attempts  # 50 allowed, 0.1 s apart: the 0.3 s stop them
    assert len(planned_waits) == attempts - 1
    assert elapsed < 30


def test_the_number_of_attempts_is_a_setting(order_id, settings) -> None:
    settings.MODKIT_PAYMENTS_RETRY_ATTEMPTS = 2

    with pytest.raises(PaymentUnavailable) as exc_info:
        _authorize(order_id, "tok_flaky")

    assert exc_info.value.details["attempts"] == 2
    assert Payment.objects.get(order_id=order_id).gateway_attempts == 2
    assert _authorize(order_id, "tok_flaky").status == "authorized"  # the third call approves


def test_a_payment_left_pending_by_a_crash_resumes_without_a_second_charge(order_id) -> None:
    # The gateway charged, then the process died before recording the answer.
    receipt = Gateway().charge(
        idempotency_key=str(order_id), amount=Decimal("10.00"), currency="EUR", token="tok_ok"
    )
    Payment.objects.create(order_id=order_id, amount=Decimal("10.00"), currency="EUR")

    payment = _authorize(order_id)

    assert (payment.status, payment.gateway_reference) == ("authorized", receipt.reference)
    assert GatewayCharge.objects.count() == 1


class _RefundDuringCharge(Gateway):
    """A gateway where the order is refunded while its charge is on the wire."""

    def __init__(self, *, before: bool) -> None:
        self.before = before

    def charge(self, **kwargs):
        if self.before:
            services.payment_refund(order_id=uuid.UUID(kwargs["idempotency_key"]))
        receipt = super().charge(**kwargs)
        if not self.before:
            services.payment_refund(order_id=uuid.UUID(kwargs["idempotency_key"]))
        return receipt


def test_a_refund_landing_after_the_charge_is_not_undone_by_the_late_answer(
    order_id, monkeypatch
) -> None:
    monkeypatch.setattr(services, "_gateway", _RefundDuringCharge(before=False))

    payment = _authorize(order_id)

    charge = GatewayCharge.objects.get()
    assert payment.status == "refunded"
    assert payment.refunded_at == charge.refunded_at
    assert charge.refunded_at is not None


def test_a_refund_landing_before_the_charge_voids_it(order_id, monkeypatch) -> None:
    monkeypatch.setattr(services, "_gateway", _RefundDuringCharge(before=True))

    with pytest.raises(PaymentDeclined):
        _authorize(order_id)

    assert Payment.objects.get(order_id=order_id).status == "voided"
    assert not GatewayCharge.objects.filter(outcome="approved").exists()


def test_a_transient_refund_failure_is_retried(order_id, monkeypatch, gateway_refunds) -> None:
    _authorize(order_id)
    real_refund = Gateway.refund
    calls = []

    def flaky_refund(self, *, idempotency_key):
        calls.append(idempotency_key)
        if len(calls) == 1:
            raise GatewayTransientError("connection reset")
        return real_refund(self, idempotency_key=idempotency_key)

    monkeypatch.setattr(Gateway, "refund", flaky_refund)

    payment = services.payment_refund(order_id=order_id)

    assert payment.status == "refunded"
    assert len(calls) == 2
    assert gateway_refunds(order_id) == 1
