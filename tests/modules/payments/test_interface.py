"""The public interface, over every transport: at most one charge per order, whatever happens."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

import pytest

from modules.payments import gateway
from modules.payments.contracts import (
    InvalidPayment,
    Payment,
    PaymentDeclined,
    PaymentNotFound,
    PaymentUnavailable,
)
from modules.payments.interface import payments
from modules.payments.models import Payment as PaymentRow

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _every_transport(transport) -> None:
    """Every test here runs once per transport (local, loopback)."""


def _authorize(order_id: uuid.UUID, token: str = "tok_ok", amount: str = "19.99") -> Payment:
    return payments.authorize(
        order_id=order_id, amount=Decimal(amount), currency="EUR", token=token
    )


def test_tok_ok_is_authorized_and_charged_once(order_id, charges) -> None:
    payment = _authorize(order_id)

    assert isinstance(payment, Payment)
    assert payment.order_id == order_id
    assert isinstance(payment.order_id, uuid.UUID)
    assert payment.amount == Decimal("19.99")
    assert isinstance(payment.amount, Decimal)
    assert payment.currency == "EUR"
    assert payment.status == "authorized"
    assert type(payment.status) is str
    assert payment.gateway_reference.startswith("ch_")
    assert payment.gateway_attempts == 1
    assert isinstance(payment.created_at, datetime)
    assert payment.refunded_at is None
    assert charges(order_id) == 1


def test_authorizing_twice_returns_the_same_payment_and_charges_once(order_id, charges) -> None:
    first = _authorize(order_id)
    second = _authorize(order_id)

    assert second == first
    assert charges(order_id) == 1
    assert payments.get_payment(order_id=order_id) == first


def test_tok_declined_raises_and_records_a_declined_payment(order_id, charges) -> None:
    with pytest.raises(PaymentDeclined) as exc_info:
        _authorize(order_id, "tok_declined")

    assert exc_info.value.details == {
        "order_id": str(order_id),
        "reason": "The card was declined.",
    }
    payment = payments.get_payment(order_id=order_id)
    assert payment.status == "declined"
    assert payment.gateway_attempts == 1
    assert charges(order_id) == 0


def test_a_declined_order_stays_declined_and_uncharged(order_id, charges) -> None:
    with pytest.raises(PaymentDeclined):
        _authorize(order_id, "tok_declined")

    with pytest.raises(PaymentDeclined):
        _authorize(order_id, "tok_declined")
    with pytest.raises(PaymentDeclined):
        _authorize(order_id, "tok_ok")  # a retry with another card is still this order's answer

    assert payments.get_payment(order_id=order_id).status == "declined"
    assert charges(order_id) == 0
    assert charges(order_id, outcome="declined") == 1


def test_an_unknown_token_declines_with_a_reason_naming_the_test_tokens(order_id, charges) -> None:
    with pytest.raises(PaymentDeclined) as exc_info:
        _authorize(order_id, "tok_visa")

    assert "'tok_visa'" in exc_info.value.message
    assert "tok_ok" in exc_info.value.message
    assert charges(order_id) == 0


def test_tok_flaky_is_retried_and_charged_once(order_id, charges) -> None:
    payment = _authorize(order_id, "tok_flaky")

    assert payment.status == "authorized"
    assert payment.gateway_attempts == 3
    assert charges(order_id) == 1
    assert _authorize(order_id, "tok_flaky") == payment


def test_an_outage_raises_payment_unavailable_and_charges_nothing(order_id, charges) -> None:
    gateway.switch_set(down=True)

    with pytest.raises(PaymentUnavailable) as exc_info:
        _authorize(order_id)

    assert exc_info.value.details["attempts"] == 4
    assert charges(order_id) == 0
    pending = payments.get_payment(order_id=order_id)
    assert (pending.status, pending.gateway_attempts) == ("pending", 4)

    gateway.switch_set(down=False)
    payment = _authorize(order_id)

    assert payment.status == "authorized"
    assert payment.gateway_attempts == 5
    assert charges(order_id) == 1


def test_payment_unavailable_is_a_module_unavailable_callers_can_degrade_on(order_id) -> None:
    from modkit.errors import ModuleUnavailable

    gateway.switch_set(down=True)

    with pytest.raises(ModuleUnavailable):
        _authorize(order_id)


def test_refunding_twice_refunds_once_at_the_gateway(order_id, gateway_refunds) -> None:
    authorized = _authorize(order_id)

    refunded = payments.refund(order_id=order_id)
    again = payments.refund(order_id=order_id)

    assert refunded.status == "refunded"
    assert isinstance(refunded.refunded_at, datetime)
    assert refunded.gateway_reference == authorized.gateway_reference
    assert again == refunded
    assert gateway_refunds(order_id) == 1
    assert payments.get_payment(order_id=order_id) == refunded


def test_authorizing_a_refunded_order_charges_nothing_more(order_id, charges) -> None:
    _authorize(order_id)
    refunded = payments.refund(order_id=order_id)

    assert _authorize(order_id) == refunded
    assert charges(order_id) == 1


def test_refunding_a_declined_payment_leaves_it_unchanged(order_id, gateway_refunds) -> None:
    with pytest.raises(PaymentDeclined):
        _authorize(order_id, "tok_declined")
    declined = payments.get_payment(order_id=order_id)

    assert payments.refund(order_id=order_id) == declined
    assert gateway_refunds(order_id) == 0


def test_refunding_a_pending_payment_voids_it_so_it_can_never_be_charged(order_id, charges) -> None:
    gateway.switch_set(down=True)
    with pytest.raises(PaymentUnavailable):
        _authorize(order_id)
    gateway.switch_set(down=False)

    voided = payments.refund(order_id=order_id)

    assert voided.status == "voided"
    assert voided.refunded_at is None
    with pytest.raises(PaymentDeclined):
        _authorize(order_id)
    assert payments.refund(order_id=order_id) == voided
    assert charges(order_id) == 0


def test_a_refund_during_an_outage_raises_and_changes_nothing(order_id, gateway_refunds) -> None:
    authorized = _authorize(order_id)
    gateway.switch_set(down=True)

    with pytest.raises(PaymentUnavailable):
        payments.refund(order_id=order_id)

    assert payments.get_payment(order_id=order_id) == authorized
    gateway.switch_set(down=False)
    assert payments.refund(order_id=order_id).status == "refunded"
    assert gateway_refunds(order_id) == 1


def test_refund_of_an_unknown_order_raises_payment_not_found(order_id) -> None:
    with pytest.raises(PaymentNotFound) as exc_info:
        payments.refund(order_id=order_id)

    assert exc_info.value.details == {"order_id": str(order_id)}


def test_get_payment_of_an_unknown_order_raises_payment_not_found(order_id) -> None:
    with pytest.raises(PaymentNotFound):
        payments.get_payment(order_id=order_id)


@pytest.mark.parametrize(
    ("amount", "currency", "token", "field"),
    [
        ("0", "EUR", "tok_ok", "amount"),
        ("-5.00", "EUR", "tok_ok", "amount"),
        ("1.005", "EUR", "tok_ok", "amount"),
        ("NaN", "EUR", "tok_ok", "amount"),
        ("10000000000.00", "EUR", "tok_ok", "amount"),
        ("10.00", "EURO", "tok_ok", "currency"),
        ("10.00", "E1R", "tok_ok", "currency"),
        ("10.00", "", "tok_ok", "currency"),
        ("10.00", "EUR", "", "token"),
        ("10.00", "EUR", "   ", "token"),
        ("10.00", "EUR", "t" * 201, "token"),
    ],
)
def test_invalid_requests_raise_invalid_payment_and_record_nothing(
    order_id, charges, amount, currency, token, field
) -> None:
    with pytest.raises(InvalidPayment) as exc_info:
        payments.authorize(
            order_id=order_id, amount=Decimal(amount), currency=currency, token=token
        )

    assert exc_info.value.details["field"] == field
    assert not PaymentRow.objects.exists()
    assert charges() == 0


def test_amounts_are_kept_to_the_cent_and_currencies_upper_case(order_id) -> None:
    payment = payments.authorize(
        order_id=order_id, amount=Decimal("12.5"), currency="eur", token="tok_ok"
    )

    assert (payment.amount, payment.currency) == (Decimal("12.50"), "EUR")


def test_authorizing_an_order_again_with_another_amount_is_invalid(order_id, charges) -> None:
    _authorize(order_id, amount="19.99")

    with pytest.raises(InvalidPayment) as exc_info:
        _authorize(order_id, amount="25.00")

    assert exc_info.value.details == {
        "order_id": str(order_id),
        "amount": "19.99",
        "currency": "EUR",
    }
    assert charges(order_id) == 1
