"""The local implementation of ``CustomersService``: the one place models become DTOs."""

from __future__ import annotations

from . import contracts, selectors, services
from .interface import CustomersService
from .models import Customer


def _customer(customer: Customer) -> contracts.Customer:
    return contracts.Customer(
        id=customer.pk,
        user_id=customer.user_id,
        email=customer.email,
        name=customer.name,
        created_at=customer.created_at,
    )


class CustomersServiceImpl(CustomersService):
    def get_customer(self, *, customer_id: int) -> contracts.Customer:
        return _customer(selectors.customer_get(customer_id=customer_id))

    def get_customer_by_user(self, *, user_id: int) -> contracts.Customer:
        return _customer(selectors.customer_get_by_user(user_id=user_id))

    def register(self, *, email: str, password: str, name: str) -> contracts.Customer:
        return _customer(services.customer_register(email=email, password=password, name=name))
