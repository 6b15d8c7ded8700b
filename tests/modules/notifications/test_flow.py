"""The customer hears of each step: paid, then shipped by staff through shipping's interface."""

from __future__ import annotations

import pytest

from modules.notifications.interface import notifications
from modules.shipping.interface import shipping

from .conftest import CUSTOMER_EMAIL, deliver, order_paid

pytestmark = pytest.mark.django_db


def test_a_paid_then_shipped_order_emails_confirmation_then_tracking(order_id, mailoutbox):
    order_paid(order_id)
    assert deliver(("shipping", "notifications")) == {"handled": 2}
    [shipment] = shipping.shipments_of_order(order_id=order_id)

    shipped = shipping.mark_shipped(shipment_id=shipment.id)
    assert deliver(("shipping", "notifications")) == {"handled": 1}

    assert [(m.subject, m.to) for m in mailoutbox] == [
        ("Your order is confirmed", [CUSTOMER_EMAIL]),
        ("Your order has shipped", [CUSTOMER_EMAIL]),
    ]
    assert shipped.tracking_number in mailoutbox[1].body
    assert [e.kind for e in notifications.emails_for_order(order_id=order_id)] == [
        "order_confirmed",
        "order_shipped",
    ]
