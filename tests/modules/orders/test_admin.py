"""The shop operator's admin: find orders, see one whole, act on it, and the dashboard."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone
from model_bakery import baker

from modkit.models import Delivery, OutboxEvent
from modkit.testing import drain
from modules.orders import services
from modules.orders.models import Order

from .conftest import statuses

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:orders_order_changelist"
DASHBOARD = "admin:orders_dashboard"


def change_url(order: Order) -> str:
    return reverse("admin:orders_order_change", args=[order.pk])


def fresh(order: Order) -> Order:
    return Order.objects.get(pk=order.pk)


def listed(response) -> list[Order]:
    assert response.status_code == 200, response.content
    return list(response.context["cl"].result_list)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def act(client, action: str, *orders: Order, follow: bool = True, **extra):
    data = {"action": action, "_selected_action": [str(o.pk) for o in orders], "index": 0, **extra}
    return client.post(reverse(CHANGELIST), data, follow=follow)


@pytest.fixture
def shop(product, payments_fake, shipping_fake, notifications_fake):
    product("TEA-1", price="4.50", stock=20)
    product("MUG-1", price="12.00", stock=3)


@pytest.fixture
def paid(shop, place, payments_fake):
    order = place(("TEA-1", 2))
    drain()
    return fresh(order)


# --- the list -----------------------------------------------------------------------------------
def test_changelist_lists_orders_with_their_columns(admin_client, shop, place):
    order = place(("TEA-1", 2))

    response = admin_client.get(reverse(CHANGELIST))

    assert listed(response) == [order]
    page = response.content.decode()
    for text in (str(order.pk)[:8], "ada@example.com", "pending", "9.00 EUR"):
        assert text in page


def test_changelist_filters_by_status_reason_and_date(admin_client, shop, place, register):
    pending = place(("TEA-1", 1))
    cancelled = place(("MUG-1", 1))
    services.order_cancel(order_id=cancelled.pk, reason="customer_request")
    url = reverse(CHANGELIST)

    assert listed(admin_client.get(url, {"status__exact": "pending"})) == [pending]
    assert listed(admin_client.get(url, {"status__exact": "cancelled"})) == [cancelled]
    assert listed(admin_client.get(url, {"cancel_reason__exact": "customer_request"})) == [
        cancelled
    ]
    assert listed(admin_client.get(url, {"cancel_reason__exact": "out_of_stock"})) == []
    # The day the first order was placed in (not "now", which may have passed midnight since).
    today = timezone.localtime(pending.created_at).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    tomorrow = today + timedelta(days=1)
    assert len(listed(admin_client.get(url, {"created_at__gte": str(today)}))) == 2
    assert len(listed(admin_client.get(url, {"created_at__gte": str(tomorrow)}))) == 0


def test_changelist_searches_ids_emails_and_skus(admin_client, shop, place, register):
    bob = register(email="bob@example.com", name="Bob")
    mine = place(("TEA-1", 1))
    bobs = place(("MUG-1", 1), who=bob)
    url = reverse(CHANGELIST)

    assert listed(admin_client.get(url, {"q": "bob@"})) == [bobs]
    assert listed(admin_client.get(url, {"q": "MUG"})) == [bobs]
    assert listed(admin_client.get(url, {"q": str(mine.pk)})) == [mine]
    assert listed(admin_client.get(url, {"q": str(mine.pk)[:8]})) == [mine]
    assert listed(admin_client.get(url, {"q": str(mine.pk).upper()})) == [mine]
    assert listed(admin_client.get(url, {"q": "no-such-thing"})) == []


# --- the order page -----------------------------------------------------------------------------
def test_order_page_shows_lines_history_payment_shipments_and_emails(
    admin_client, paid, shipping_fake, notifications_fake
):
    shipping_fake.add(order_id=paid.pk, customer_id=paid.customer_id)
    notifications_fake.add(
        order_id=paid.pk, kind="order_confirmed", subject="Your order is confirmed"
    )

    response = admin_client.get(change_url(paid))

    assert response.status_code == 200
    page = response.content.decode()
    for text in (
        "Product TEA-1",  # the lines inline
        "reserved",  # the history inline
        "authorized",  # the payment, from payments
        "fake-1",
        "pending",  # the shipment, from shipping
        "Your order is confirmed",  # the email, from notifications
        "SW1Y 4JH",  # the address
    ):
        assert text in page, text
    assert "Cancel with refund" in page
    assert 'name="_save"' not in page


def test_order_page_degrades_when_other_modules_are_down(
    admin_client, paid, payments_fake, shipping_fake, notifications_fake
):
    payments_fake.unavailable = True
    shipping_fake.unavailable = True
    notifications_fake.unavailable = True

    response = admin_client.get(change_url(paid))

    assert response.status_code == 200
    assert response.content.decode().count("unavailable (") == 3


def test_order_page_says_when_there_is_no_payment_or_shipment_yet(admin_client, shop, place):
    order = place(("TEA-1", 1))

    page = admin_client.get(change_url(order)).content.decode()

    assert "No payment for this order." in page
    assert "none yet" in page


def test_orders_cannot_be_added_edited_or_deleted_in_the_admin(admin_client, shop, place):
    order = place(("TEA-1", 1))

    assert admin_client.get(reverse("admin:orders_order_add")).status_code == 403
    assert admin_client.post(change_url(order), {"status": "delivered"}).status_code == 403
    assert (
        admin_client.post(
            reverse("admin:orders_order_delete", args=[order.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert fresh(order).status == "pending"


# --- actions ------------------------------------------------------------------------------------
def test_cancel_with_refund_asks_for_a_reason_first(admin_client, paid):
    response = act(admin_client, "cancel_with_refund", paid)

    assert response.status_code == 200
    assert "Yes, cancel with refund" in response.content.decode()
    assert fresh(paid).status == "paid"


def test_cancel_with_refund_cancels_and_compensates(admin_client, paid, payments_fake):
    response = act(
        admin_client,
        "cancel_with_refund",
        paid,
        confirm="yes",
        reason="out_of_stock",
        note="jar broken",
    )
    drain()

    order = fresh(paid)
    assert (order.status, order.cancel_reason) == ("cancelled", "out_of_stock")
    assert "cancelled by admin (staff): jar broken" in order.history.last().note
    assert any("cancelled (out_of_stock)" in m for m in messages_of(response))
    assert payments_fake.payments[order.pk].status == "refunded"


def test_cancel_with_refund_reports_each_conflict(admin_client, paid, place, payments_fake):
    other = place(("TEA-1", 1))
    Order.objects.filter(pk=paid.pk).update(status="shipped")

    response = act(
        admin_client, "cancel_with_refund", paid, other, confirm="yes", reason="customer_request"
    )

    found = messages_of(response)
    assert any(str(paid.pk)[:8] in m and "shipped" in m for m in found), found
    assert any(str(other.pk)[:8] in m and "cancelled" in m for m in found), found
    assert (fresh(paid).status, fresh(other).status) == ("shipped", "cancelled")


def test_mark_shipped_and_delivered_go_through_shipping(admin_client, paid, shipping_fake):
    shipment = shipping_fake.add(order_id=paid.pk, customer_id=paid.customer_id)

    shipped = act(admin_client, "mark_shipped", paid)
    drain()
    delivered = act(admin_client, "mark_delivered", fresh(paid))
    drain()

    assert shipping_fake.shipped_calls == [shipment.id]
    assert shipping_fake.delivered_calls == [shipment.id]
    assert any("tracking TRK-1" in m for m in messages_of(shipped))
    assert any("delivered" in m for m in messages_of(delivered))
    assert statuses(fresh(paid))[-2:] == ["shipped", "delivered"]


def test_mark_shipped_refuses_orders_that_are_not_paid(admin_client, shop, place, shipping_fake):
    order = place(("TEA-1", 1))
    shipping_fake.add(order_id=order.pk)

    response = act(admin_client, "mark_shipped", order)

    assert shipping_fake.shipped_calls == []
    assert any("only paid orders are shipped" in m for m in messages_of(response))


def test_mark_shipped_without_a_shipment_yet_says_so(admin_client, paid, shipping_fake):
    response = act(admin_client, "mark_shipped", paid)

    assert any("no pending shipment yet" in m for m in messages_of(response))


def test_mark_shipped_when_shipping_is_down_says_so(admin_client, paid, shipping_fake):
    shipping_fake.unavailable = True

    response = act(admin_client, "mark_shipped", paid)

    assert any("connection refused" in m for m in messages_of(response))
    assert fresh(paid).status == "paid"


def test_refund_refunds_a_delivered_order_through_payments(admin_client, paid, payments_fake):
    Order.objects.filter(pk=paid.pk).update(status="delivered")

    response = act(admin_client, "refund", paid)

    assert payments_fake.refund_calls == [paid.pk]
    assert payments_fake.payments[paid.pk].status == "refunded"
    assert any("is refunded" in m for m in messages_of(response))


def test_refund_of_an_order_still_to_ship_asks_for_a_cancel(admin_client, paid, payments_fake):
    response = act(admin_client, "refund", paid)

    assert payments_fake.refund_calls == []
    assert any("cancel it" in m for m in messages_of(response))


def test_an_action_from_the_order_page_returns_there(admin_client, paid, payments_fake):
    Order.objects.filter(pk=paid.pk).update(status="shipped")

    response = act(admin_client, "refund", paid, follow=False, next=change_url(paid))

    assert response.status_code == 302
    assert response.url == change_url(paid)


def test_cancelling_from_the_order_page_confirms_then_returns_there(admin_client, paid):
    asked = act(admin_client, "cancel_with_refund", paid, next=change_url(paid))
    done = act(
        admin_client,
        "cancel_with_refund",
        paid,
        follow=False,
        confirm="yes",
        reason="customer_request",
        next=change_url(paid),
    )

    assert f'name="next" value="{change_url(paid)}"' in asked.content.decode()
    assert done.status_code == 302
    assert done.url == change_url(paid)
    assert fresh(paid).status == "cancelled"


def test_an_action_refuses_to_return_to_another_site(admin_client, paid):
    response = act(admin_client, "refund", paid, follow=False, next="https://evil.example/")

    assert response.url == reverse(CHANGELIST)


# --- the dashboard ------------------------------------------------------------------------------
def test_dashboard_shows_todays_figures_stock_and_dead_letters(admin_client, paid, place, shop):
    cancelled = place(("TEA-1", 1))
    services.order_cancel(order_id=cancelled.pk, reason="customer_request")
    yesterdays = place(("MUG-1", 1))
    drain()
    Order.objects.filter(pk=yesterdays.pk).update(created_at=timezone.now() - timedelta(days=1))
    place(("TEA-1", 1))  # pending: not revenue yet
    baker.make(
        Delivery,
        state=Delivery.State.DEAD,
        event=baker.make(OutboxEvent),
        next_attempt_at=timezone.now(),
    )

    response = admin_client.get(reverse(DASHBOARD))

    assert response.status_code == 200
    figures = response.context["figures"]
    assert figures.orders_today == 3
    assert figures.revenue_today == {"EUR": Decimal("9.00")}
    assert (figures.by_status["paid"], figures.by_status["cancelled"]) == (2, 1)
    assert (figures.by_status["pending"], figures.by_status["delivered"]) == (1, 0)
    assert figures.awaiting_shipment == 2
    assert [(s.sku, s.available) for s in response.context["low_stock"]] == [("MUG-1", 2)]
    assert response.context["dead_letters"] == 1
    page = response.content.decode()
    assert "9.00 EUR" in page
    assert "MUG-1" in page
    assert len(listed(admin_client.get(response.context["today_url"]))) == 3


def test_dashboard_degrades_when_inventory_is_down(admin_client, shop):
    from modkit.errors import ModuleUnavailable
    from modkit.testing import swap

    class DeadInventory:
        def list_low_stock(self, *, threshold):
            raise ModuleUnavailable("inventory: connection refused (fake)")

    with swap("inventory", DeadInventory()):
        response = admin_client.get(reverse(DASHBOARD))

    assert response.status_code == 200
    assert "Stock levels are unavailable" in response.content.decode()


def test_admin_index_and_changelist_link_to_the_dashboard(admin_client, db):
    url = reverse(DASHBOARD)

    assert url in admin_client.get(reverse("admin:index")).content.decode()
    assert url in admin_client.get(reverse(CHANGELIST)).content.decode()


# --- who may ------------------------------------------------------------------------------------
def test_non_staff_are_sent_to_the_login(client, django_user_model, shop, place):
    user = django_user_model.objects.create_user("shopper", password="x")
    client.force_login(user)
    order = place(("TEA-1", 1))

    for url in (reverse(CHANGELIST), reverse(DASHBOARD), change_url(order)):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("admin:login"))


def test_staff_without_order_permissions_are_refused(client, django_user_model, shop, place):
    staff = django_user_model.objects.create_user("clerk", password="x", is_staff=True)
    client.force_login(staff)
    order = place(("TEA-1", 1))

    assert client.get(reverse(DASHBOARD)).status_code == 403
    assert client.get(reverse(CHANGELIST)).status_code == 403
    assert client.get(reverse("admin:index")).content.decode().count(reverse(DASHBOARD)) == 0
    act(client, "cancel_with_refund", order, confirm="yes", reason="customer_request")
    assert fresh(order).status == "pending"


def test_staff_who_may_only_view_see_orders_but_cannot_act(client, django_user_model, shop, place):
    viewer = django_user_model.objects.create_user("viewer", password="x", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_order"))
    client.force_login(viewer)
    order = place(("TEA-1", 1))

    assert client.get(reverse(DASHBOARD)).status_code == 200
    page = client.get(change_url(order)).content.decode()
    assert "Cancel with refund" not in page
    response = act(client, "cancel_with_refund", order, confirm="yes", reason="customer_request")
    assert response.status_code == 200
    assert fresh(order).status == "pending"
