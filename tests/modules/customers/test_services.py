from unittest import mock

import pytest
from django.contrib.auth import authenticate, get_user_model

from modules.customers import services
from modules.customers.contracts import EmailTaken, InvalidCustomer
from modules.customers.models import Customer

from .conftest import GOOD_PASSWORD

pytestmark = pytest.mark.django_db
User = get_user_model()


def test_register_creates_a_login_named_after_the_email_and_its_profile(register):
    customer = register(email="ada@example.com", name="  Ada Lovelace ")
    user = User.objects.get(pk=customer.user_id)
    assert user.username == user.email == customer.email == "ada@example.com"
    assert customer.name == "Ada Lovelace"
    assert authenticate(username="ada@example.com", password=GOOD_PASSWORD) == user


def test_register_lowercases_the_email_domain(register):
    assert register(email=" Ada@EXAMPLE.com ").email == "Ada@example.com"


@pytest.mark.parametrize("email", ["ada@example.com", "ADA@example.com", "ada@Example.COM"])
def test_register_refuses_an_email_already_registered_in_any_case(register, email):
    register(email="ada@example.com")
    with pytest.raises(EmailTaken):
        register(email=email)
    assert Customer.objects.count() == User.objects.count() == 1


def test_register_refuses_an_email_that_is_already_a_login(register):
    User.objects.create_user(username="ada@example.com", password="x")
    with pytest.raises(EmailTaken):
        register(email="ada@example.com")
    assert not Customer.objects.exists()


@pytest.mark.parametrize(
    ("fields", "bad"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": "a" * 140 + "@example.com"}, "email"),
        ({"name": "   "}, "name"),
        ({"name": "n" * 151}, "name"),
        ({"password": "short"}, "password"),
        ({"password": "12345678901"}, "password"),
        ({"password": "password123"}, "password"),
        ({"password": "ada@example.com"}, "password"),
        ({"password": "x" * 129}, "password"),
    ],
)
def test_register_refuses_invalid_data_and_names_the_field(register, fields, bad):
    with pytest.raises(InvalidCustomer) as info:
        register(**fields)
    assert list(info.value.details) == [bad]
    assert info.value.message.startswith(f"{bad}: ")
    assert not User.objects.exists()


def test_register_reports_every_bad_field_at_once(register):
    with pytest.raises(InvalidCustomer) as info:
        register(email="nope", password="123", name="")
    assert set(info.value.details) == {"email", "password", "name"}


def test_register_creates_no_login_when_the_profile_cannot_be_saved(register):
    with (
        mock.patch.object(Customer.objects, "create", side_effect=RuntimeError("db down")),
        pytest.raises(RuntimeError),
    ):
        register()
    assert not User.objects.exists()


def test_register_losing_a_race_for_the_email_raises_email_taken(register):
    register(email="ada@example.com")
    with (
        mock.patch.object(services.selectors, "email_taken", return_value=False),
        pytest.raises(EmailTaken),
    ):
        register(email="ADA@example.com")
    assert Customer.objects.count() == User.objects.count() == 1
