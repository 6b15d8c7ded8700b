"""The operator's admin: payments read-only with a refund action, the gateway and its switch."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.urls import reverse

from modules.payments import gateway, services
from modules.payments.contracts import PaymentDeclined, PaymentUnavailable
from modules.payments.models import GatewayCharge, GatewayRequest, GatewaySwitch, Payment

pytestmark = pytest.mark.django_db

PAYMENTS = reverse("admin:payments_payment_changelist")
SWITCH = reverse("admin:payments_gatewayswitch_changelist")


def _pay(token: str = "tok_ok", amount: str = "10.00") -> Payment:
    order_id = uuid.uuid4()
    try:
        return services.payment_authorize(
            order_id=order_id, amount=Decimal(amount), currency="EUR", token=token
        )
    except PaymentDeclined:
        return Payment.objects.get(order_id=order_id)


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_payment_list_filters_by_status_and_finds_an_order_by_part_of_its_id(
    admin_client,
) -> None:
    ok = _pay()
    declined = _pay("tok_declined")

    everything = admin_client.get(PAYMENTS)
    only_declined = admin_client.get(PAYMENTS, {"status__exact": "declined"})
    found = admin_client.get(PAYMENTS, {"q": str(ok.order_id)[:8]})

    assert everything.status_code == 200
    assert {p.pk for p in everything.context["cl"].result_list} == {ok.pk, declined.pk}
    assert [p.pk for p in only_declined.context["cl"].result_list] == [declined.pk]
    assert [p.pk for p in found.context["cl"].result_list] == [ok.pk]
    page = everything.content.decode()
    for column in ("order id", "amount", "currency", "status", "gateway attempts", "created at"):
        assert column in page.lower()


def test_a_payment_page_is_read_only_and_links_its_gateway_charge(admin_client) -> None:
    payment = _pay()
    url = reverse("admin:payments_payment_change", args=[payment.pk])

    response = admin_client.get(url)
    posted = admin_client.post(url, {"amount": "0.01"})

    charge = GatewayCharge.objects.get()
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert reverse("admin:payments_gatewaycharge_change", args=[charge.pk]) in (
        response.content.decode()
    )
    assert posted.status_code == 403
    assert Payment.objects.get(pk=payment.pk).amount == Decimal("10.00")


def test_payments_cannot_be_added_or_deleted_in_the_admin(admin_client) -> None:
    payment = _pay()

    assert admin_client.get(reverse("admin:payments_payment_add")).status_code == 403
    deleted = admin_client.post(
        reverse("admin:payments_payment_delete", args=[payment.pk]), {"post": "yes"}
    )
    assert deleted.status_code == 403
    assert Payment.objects.count() == 1


def test_refund_selected_refunds_charged_payments_once_and_leaves_the_others(
    admin_client, gateway_refunds
) -> None:
    ok = _pay()
    declined = _pay("tok_declined")
    selection = {"action": "refund_selected", "_selected_action": [ok.pk, declined.pk]}

    first = admin_client.post(PAYMENTS, selection, follow=True)
    second = admin_client.post(PAYMENTS, selection, follow=True)

    assert Payment.objects.get(pk=ok.pk).status == "refunded"
    assert Payment.objects.get(pk=declined.pk).status == "declined"
    assert gateway_refunds(ok.order_id) == 1
    assert "Refund: 1 refunded." in _messages(first)
    assert any("1 payment(s) left as they were" in m for m in _messages(first))
    assert any("2 payment(s) left as they were" in m for m in _messages(second))


def test_refund_selected_reports_an_outage_and_changes_nothing(admin_client) -> None:
    ok = _pay()
    gateway.switch_set(down=True)

    response = admin_client.post(
        PAYMENTS, {"action": "refund_selected", "_selected_action": [ok.pk]}, follow=True
    )

    assert Payment.objects.get(pk=ok.pk).status == "authorized"
    assert any(
        m.startswith(f"Order {ok.order_id}: ") and PaymentUnavailable.default_message in m
        for m in _messages(response)
    )


def test_refunding_needs_the_refund_permission(client, django_user_model) -> None:
    viewer = django_user_model.objects.create_user("viewer", password="x", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_payment"))
    client.force_login(viewer)
    ok = _pay()

    listed = client.get(PAYMENTS)
    client.post(PAYMENTS, {"action": "refund_selected", "_selected_action": [ok.pk]})

    assert listed.status_code == 200
    assert "refund_selected" not in listed.content.decode()
    assert Payment.objects.get(pk=ok.pk).status == "authorized"


def test_gateway_records_are_listed_read_only(admin_client) -> None:
    ok = _pay()
    charge = GatewayCharge.objects.get()
    request = GatewayRequest.objects.get()

    charges = admin_client.get(reverse("admin:payments_gatewaycharge_changelist"))
    by_key = admin_client.get(
        reverse("admin:payments_gatewaycharge_changelist"), {"q": str(ok.order_id)}
    )
    charge_page = admin_client.get(reverse("admin:payments_gatewaycharge_change", args=[charge.pk]))
    requests = admin_client.get(reverse("admin:payments_gatewayrequest_changelist"))
    request_page = admin_client.get(
        reverse("admin:payments_gatewayrequest_change", args=[request.pk])
    )

    assert charges.status_code == requests.status_code == 200
    assert [c.pk for c in by_key.context["cl"].result_list] == [charge.pk]
    assert charge_page.context["has_change_permission"] is False
    assert request_page.context["has_change_permission"] is False
    assert admin_client.get(reverse("admin:payments_gatewaycharge_add")).status_code == 403
    assert admin_client.get(reverse("admin:payments_gatewayrequest_add")).status_code == 403


def test_the_switch_actions_take_the_gateway_down_and_bring_it_up(admin_client) -> None:
    listed = admin_client.get(SWITCH)
    switch_id = GatewaySwitch.SINGLETON_ID

    down = admin_client.post(
        SWITCH, {"action": "take_down", "_selected_action": [switch_id]}, follow=True
    )
    with pytest.raises(PaymentUnavailable):
        _pay()
    up = admin_client.post(
        SWITCH, {"action": "bring_up", "_selected_action": [switch_id]}, follow=True
    )

    assert listed.status_code == 200
    assert "payment gateway up" in listed.content.decode()
    assert "payment gateway DOWN, latency 0 ms" in _messages(down)
    assert "payment gateway up, latency 0 ms" in _messages(up)
    assert _pay().status == "authorized"


def test_the_switch_form_sets_outage_and_latency(admin_client) -> None:
    admin_client.get(SWITCH)
    url = reverse("admin:payments_gatewayswitch_change", args=[GatewaySwitch.SINGLETON_ID])

    form = admin_client.get(url)
    saved = admin_client.post(url, {"down": "on", "latency_ms": "30"})

    assert form.status_code == 200
    assert saved.status_code == 302
    switch = gateway.switch_get()
    assert (switch.down, switch.latency_ms) == (True, 30)
    assert admin_client.get(reverse("admin:payments_gatewayswitch_add")).status_code == 403
