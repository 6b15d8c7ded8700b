import pytest

pytestmark = pytest.mark.django_db


def test_customer_changelist_searches(admin_client, register):
    register(email="ada@example.com", name="Ada")
    register(email="bob@example.com", name="Bob")
    response = admin_client.get("/admin/customers/customer/", {"q": "bob"})
    assert response.status_code == 200
    assert [c.email for c in response.context["cl"].result_list] == ["bob@example.com"]


def test_customers_are_not_added_from_the_admin(admin_client):
    assert admin_client.get("/admin/customers/customer/add/").status_code == 403
