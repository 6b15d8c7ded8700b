"""Fakes of the modules the orders saga calls but does not own: payments, shipping, notifications.

Each keeps the interface's signatures (``test_fakes.py`` checks), remembers its calls, and can be
switched to fail like an unreachable remote (``unavailable = True``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from uuid import UUID

from django.db import transaction
from django.utils import timezone

from modkit.errors import ModuleUnavailable
from modkit.events import publish
from modules.notifications.contracts import SentEmail
from modules.payments.contracts import Payment, PaymentDeclined, PaymentNotFound, PaymentUnavailable
from modules.shipping.contracts import Shipment, ShipmentNotFound, ShipmentStateConflict
from modules.shipping.events import ShipmentDelivered, ShipmentShipped


@dataclass
class FakePayments:
    """A gateway that charges at most once per order, like the real one.

    ``tok_declined`` declines; any other token approves. ``unavailable`` fails every call with
    ``PaymentUnavailable``; ``lose_answer_once`` charges and then fails the first authorize as
    if the answer were lost on the way back (the caller retries; the charge must not repeat).
    """

    unavailable: bool = False
    lose_answer_once: bool = False
    payments: dict[UUID, Payment] = field(default_factory=dict)
    authorize_calls: list[UUID] = field(default_factory=list)
    refund_calls: list[UUID] = field(default_factory=list)
    charges: int = 0

    def authorize(self, *, order_id: UUID, amount: Decimal, currency: str, token: str) -> Payment:
        self.authorize_calls.append(order_id)
        self._check_up()
        payment = self.payments.get(order_id)
        if payment is None:
            approved = token != "tok_declined"
            payment = self.payments[order_id] = Payment(
                order_id=order_id,
                amount=amount,
                currency=currency,
                status="authorized" if approved else "declined",
                gateway_reference=f"fake-{len(self.payments) + 1}" if approved else "",
                gateway_attempts=1,
                created_at=timezone.now(),
            )
            self.charges += approved
            if self.lose_answer_once:
                self.lose_answer_once = False
                raise PaymentUnavailable("the gateway's answer was lost (fake)")
        if payment.status == "declined":
            raise PaymentDeclined("Card declined (fake).", details={"order_id": str(order_id)})
        return payment

    def refund(self, *, order_id: UUID) -> Payment:
        self.refund_calls.append(order_id)
        self._check_up()
        payment = self.get_payment(order_id=order_id)
        if payment.status == "authorized":
            payment = self.payments[order_id] = Payment(
                **{
                    **{f: getattr(payment, f) for f in payment.__struct_fields__},
                    "status": "refunded",
                    "refunded_at": timezone.now(),
                }
            )
        return payment

    def get_payment(self, *, order_id: UUID) -> Payment:
        self._check_up()
        try:
            return self.payments[order_id]
        except KeyError:
            raise PaymentNotFound(details={"order_id": str(order_id)}) from None

    def _check_up(self) -> None:
        if self.unavailable:
            raise PaymentUnavailable("payment gateway: connection refused (fake)")


@dataclass
class FakeShipping:
    """Shipments by id. ``mark_shipped``/``mark_delivered`` publish shipping's events as the real
    module does, so the orders saga can follow them with ``drain()``."""

    unavailable: bool = False
    shipments: dict[UUID, Shipment] = field(default_factory=dict)
    shipped_calls: list[UUID] = field(default_factory=list)
    delivered_calls: list[UUID] = field(default_factory=list)

    def add(self, *, order_id: UUID, customer_id: int = 1, status: str = "pending") -> Shipment:
        """A shipment for the order, as shipping creates when it hears ``OrderPaid``."""
        shipment = Shipment(
            id=uuid.uuid4(),
            order_id=order_id,
            customer_id=customer_id,
            status=status,
            tracking_number=None if status == "pending" else "TRK-0",
            created_at=timezone.now(),
        )
        self.shipments[shipment.id] = shipment
        return shipment

    def shipments_of_order(self, *, order_id: UUID) -> list[Shipment]:
        self._check_up()
        return [s for s in self.shipments.values() if s.order_id == order_id]

    def mark_shipped(self, *, shipment_id: UUID) -> Shipment:
        self.shipped_calls.append(shipment_id)
        shipment = self._get(shipment_id)
        if shipment.status == "shipped":
            return shipment
        if shipment.status != "pending":
            raise ShipmentStateConflict(details={"status": shipment.status})
        tracking = f"TRK-{len(self.shipped_calls)}"
        shipment = self._replace(shipment, status="shipped", tracking_number=tracking)
        with transaction.atomic():
            publish(
                ShipmentShipped(
                    shipment_id=shipment.id,
                    order_id=shipment.order_id,
                    customer_id=shipment.customer_id,
                    customer_email="someone@example.com",
                    tracking_number=tracking,
                )
            )
        return shipment

    def mark_delivered(self, *, shipment_id: UUID) -> Shipment:
        self.delivered_calls.append(shipment_id)
        shipment = self._get(shipment_id)
        if shipment.status == "delivered":
            return shipment
        if shipment.status != "shipped":
            raise ShipmentStateConflict(details={"status": shipment.status})
        shipment = self._replace(shipment, status="delivered")
        with transaction.atomic():
            publish(ShipmentDelivered(shipment_id=shipment.id, order_id=shipment.order_id))
        return shipment

    def _get(self, shipment_id: UUID) -> Shipment:
        self._check_up()
        try:
            return self.shipments[shipment_id]
        except KeyError:
            raise ShipmentNotFound(details={"shipment_id": str(shipment_id)}) from None

    def _replace(self, shipment: Shipment, **changes: object) -> Shipment:
        fields = {f: getattr(shipment, f) for f in shipment.__struct_fields__}
        new = self.shipments[shipment.id] = Shipment(**{**fields, **changes})
        return new

    def _check_up(self) -> None:
        if self.unavailable:
            raise ModuleUnavailable("shipping: connection refused (fake)")


@dataclass
class FakeNotifications:
    """Sent emails by order."""

    unavailable: bool = False
    sent: dict[UUID, list[SentEmail]] = field(default_factory=dict)

    def add(self, *, order_id: UUID, kind: str, subject: str) -> SentEmail:
        email = SentEmail(
            order_id=order_id,
            kind=kind,
            recipient="someone@example.com",
            subject=subject,
            sent_at=timezone.now(),
        )
        self.sent.setdefault(order_id, []).append(email)
        return email

    def emails_for_order(self, *, order_id: UUID) -> list[SentEmail]:
        if self.unavailable:
            raise ModuleUnavailable("notifications: connection refused (fake)")
        return list(self.sent.get(order_id, []))
