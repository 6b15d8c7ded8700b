"""Customers writes."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, router, transaction

from . import selectors
from .contracts import EmailTaken, InvalidCustomer
from .models import Customer

# The email is the login's username, so it must fit that column.
EMAIL_MAX_LENGTH = 150
NAME_MAX_LENGTH = 150
# Hashing cost grows with length; nobody types more than this.
PASSWORD_MAX_LENGTH = 128


def customer_register(*, email: str, password: str, name: str) -> Customer:
    """Create a login (username = email) and its customer profile, both or neither.

    Raises ``InvalidCustomer`` (with every bad field in ``details``) or ``EmailTaken``.
    """
    email = BaseUserManager.normalize_email(email.strip())
    name = name.strip()
    User = get_user_model()
    errors = _registration_errors(
        email=email,
        password=password,
        name=name,
        user=User(username=email, email=email, first_name=name[:150]),
    )
    if errors:
        field, messages = next(iter(errors.items()))
        raise InvalidCustomer(f"{field}: {messages[0]}", details=errors)
    if selectors.email_taken(email=email):
        raise EmailTaken(details={"email": email})
    try:
        # Two atomic blocks so that both writes commit or neither does, also when the module
        # has a database of its own and the logins stay in the default one.
        with (
            transaction.atomic(using=router.db_for_write(User)),
            transaction.atomic(using=router.db_for_write(Customer)),
        ):
            user = User.objects.create_user(username=email, email=email, password=password)
            return Customer.objects.create(user_id=user.pk, email=email, name=name)
    except IntegrityError:
        # A concurrent registration of the same email won the race to the unique indexes.
        raise EmailTaken(details={"email": email}) from None


def _registration_errors(
    *, email: str, password: str, name: str, user: AbstractBaseUser
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    try:
        validate_email(email)
    except ValidationError as exc:
        errors["email"] = exc.messages
    else:
        if len(email) > EMAIL_MAX_LENGTH:
            errors["email"] = [_too_long(EMAIL_MAX_LENGTH)]
    if not name:
        errors["name"] = ["This field may not be blank."]
    elif len(name) > NAME_MAX_LENGTH:
        errors["name"] = [_too_long(NAME_MAX_LENGTH)]
    if len(password) > PASSWORD_MAX_LENGTH:
        errors["password"] = [_too_long(PASSWORD_MAX_LENGTH)]
    else:
        try:
            validate_password(password, user=user)
        except ValidationError as exc:
            errors["password"] = exc.messages
    return errors


def _too_long(limit: int) -> str:
    return f"Ensure this field has no more than {limit} characters."
