"""The customers interface, once per transport: DTOs and domain errors survive the wire codec."""

from datetime import datetime

import pytest

from modules.customers.contracts import Customer, EmailTaken, InvalidCustomer, UnknownCustomer
from modules.customers.interface import customers

from .conftest import GOOD_PASSWORD

pytestmark = pytest.mark.django_db


def test_register_returns_a_dto_the_getters_agree_with(transport):
    customer = customers.register(email="ada@example.com", password=GOOD_PASSWORD, name="Ada")
    assert isinstance(customer, Customer)
    assert (customer.email, customer.name) == ("ada@example.com", "Ada")
    assert isinstance(customer.created_at, datetime)
    assert customer.created_at.tzinfo is not None
    assert customers.get_customer(customer_id=customer.id) == customer
    assert customers.get_customer_by_user(user_id=customer.user_id) == customer


def test_unknown_customer_crosses_as_itself(transport):
    with pytest.raises(UnknownCustomer) as info:
        customers.get_customer(customer_id=12345)
    assert info.value.details == {"customer_id": 12345}
    with pytest.raises(UnknownCustomer):
        customers.get_customer_by_user(user_id=12345)


def test_email_taken_crosses_as_itself(transport):
    customers.register(email="ada@example.com", password=GOOD_PASSWORD, name="Ada")
    with pytest.raises(EmailTaken) as info:
        customers.register(email="ada@example.com", password=GOOD_PASSWORD, name="Ada")
    assert info.value.details == {"email": "ada@example.com"}


def test_invalid_customer_crosses_with_its_field_details(transport):
    with pytest.raises(InvalidCustomer) as info:
        customers.register(email="ada@example.com", password="123", name="Ada")
    assert set(info.value.details) == {"password"}
    assert all(isinstance(m, str) for m in info.value.details["password"])
