import pytest
from django.contrib.auth import get_user_model

from modules.customers import selectors
from modules.customers.contracts import UnknownCustomer

pytestmark = pytest.mark.django_db


def test_customer_get_and_by_user(register):
    customer = register()
    assert selectors.customer_get(customer_id=customer.pk) == customer
    assert selectors.customer_get_by_user(user_id=customer.user_id) == customer


def test_customer_get_unknown_raises():
    with pytest.raises(UnknownCustomer) as info:
        selectors.customer_get(customer_id=404)
    assert info.value.details == {"customer_id": 404}


def test_a_login_without_profile_has_no_customer():
    user = get_user_model().objects.create_user(username="admin", password="x")
    with pytest.raises(UnknownCustomer):
        selectors.customer_get_by_user(user_id=user.pk)


def test_email_taken_ignores_case_and_sees_logins_too(register):
    register(email="ada@example.com")
    get_user_model().objects.create_user(username="bob@example.com", password="x")
    assert selectors.email_taken(email="ADA@example.com")
    assert selectors.email_taken(email="Bob@Example.com")
    assert not selectors.email_taken(email="eve@example.com")
