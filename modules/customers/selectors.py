"""Customers reads."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from .contracts import UnknownCustomer
from .models import Customer


def customer_get(*, customer_id: int) -> Customer:
    """The customer with ``customer_id``; raises ``UnknownCustomer``."""
    try:
        return Customer.objects.get(pk=customer_id)
    except Customer.DoesNotExist:
        raise UnknownCustomer(details={"customer_id": customer_id}) from None


def customer_get_by_user(*, user_id: int) -> Customer:
    """The customer profile of the login ``user_id``; raises ``UnknownCustomer``."""
    try:
        return Customer.objects.get(user_id=user_id)
    except Customer.DoesNotExist:
        raise UnknownCustomer(
            "This login has no customer profile.", details={"user_id": user_id}
        ) from None


def email_taken(*, email: str) -> bool:
    """Whether a customer or a login (username) already uses ``email``, ignoring case."""
    return (
        Customer.objects.filter(email__iexact=email).exists()
        or get_user_model().objects.filter(username__iexact=email).exists()
    )
