"""The customers module's public interface and its delegate, ``customers``."""

from __future__ import annotations

from modkit.interfaces import Interface, delegate, operation

from .contracts import Customer


class CustomersService(Interface):
    """Customer profiles and registration (a login and its profile, created together)."""

    module = "customers"

    @operation(idempotent=True)
    def get_customer(self, *, customer_id: int) -> Customer:
        """One customer by id. Raises ``UnknownCustomer``."""
        raise NotImplementedError

    @operation(idempotent=True)
    def get_customer_by_user(self, *, user_id: int) -> Customer:
        """The customer profile of a login (the ``user_id`` of a bearer token).

        Raises ``UnknownCustomer`` if the login has none (an operator account, say).
        """
        raise NotImplementedError

    def register(self, *, email: str, password: str, name: str) -> Customer:
        """Create a login (username = email) and its customer profile, both or neither.

        Raises ``InvalidCustomer`` (bad email, blank name, or a password Django's password
        validators reject; ``details`` names the fields) and ``EmailTaken``. Not idempotent:
        a retry after success raises ``EmailTaken``.
        """
        raise NotImplementedError


customers = delegate(CustomersService)
