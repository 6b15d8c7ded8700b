"""The fakes must not drift from the interfaces they stand in for."""

import inspect

import pytest

from modules.notifications.interface import NotificationsService
from modules.payments.interface import PaymentsService
from modules.shipping.interface import ShippingService

from .fakes import FakeNotifications, FakePayments, FakeShipping

CASES = [
    (interface, fake, name)
    for interface, fake in [
        (PaymentsService, FakePayments),
        (ShippingService, FakeShipping),
        (NotificationsService, FakeNotifications),
    ]
    for name in interface.__operations__
]


@pytest.mark.parametrize(
    ("interface", "fake", "operation"), CASES, ids=[f"{f.__name__}.{n}" for _, f, n in CASES]
)
def test_fake_operations_match_the_interface(interface, fake, operation):
    declared = interface.__operations__[operation].signature
    faked = inspect.signature(getattr(fake, operation))
    assert list(faked.parameters.items()) == list(declared.parameters.items())
