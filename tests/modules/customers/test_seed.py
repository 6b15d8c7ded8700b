import io

import pytest
from django.contrib.auth import authenticate

from modules.customers.models import Customer
from modules.customers.seed import DEMO_EMAIL, DEMO_PASSWORD, seed

pytestmark = pytest.mark.django_db


def run_seed():
    out = io.StringIO()
    seed(stdout=out)
    return out.getvalue()


def test_seed_creates_the_demo_customer_who_can_log_in():
    output = run_seed()
    customer = Customer.objects.get(email=DEMO_EMAIL)
    assert authenticate(username=DEMO_EMAIL, password=DEMO_PASSWORD).pk == customer.user_id
    assert f"{DEMO_EMAIL} / {DEMO_PASSWORD}" in output


def test_seed_twice_creates_one_customer():
    run_seed()
    output = run_seed()
    assert Customer.objects.count() == 1
    assert "exists" in output
