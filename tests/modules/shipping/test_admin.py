"""The staff's admin: find shipments, mark them shipped and delivered; nothing else changes."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.urls import reverse

from modules.shipping import services
from modules.shipping.events import ShipmentShipped
from modules.shipping.models import Shipment

from .conftest import deliver, order_cancelled

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:shipping_shipment_changelist")


def run_action(client, action: str, *shipments: Shipment):
    return client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [str(s.pk) for s in shipments]},
        follow=True,
    )


def messages_of(response) -> list[tuple[str, str]]:
    return [(m.level_tag, m.message) for m in get_messages(response.wsgi_request)]


def test_changelist_filters_by_status_and_searches(admin_client, shipment_of) -> None:
    pending = shipment_of(email="ada@example.com")
    shipped = services.shipment_mark_shipped(shipment_id=shipment_of(email="bob@example.com").pk)

    def listed(params: dict) -> list:
        response = admin_client.get(CHANGELIST, params)
        assert response.status_code == 200
        return [s.pk for s in response.context["cl"].result_list]

    assert listed({"status__exact": "pending"}) == [pending.pk]
    assert listed({"status__exact": "shipped"}) == [shipped.pk]
    assert listed({"q": str(pending.order_id)}) == [pending.pk]
    assert listed({"q": str(pending.order_id)[:8]}) == [pending.pk]
    assert listed({"q": shipped.tracking_number}) == [shipped.pk]
    assert listed({"q": "bob@"}) == [shipped.pk]


def test_mark_shipped_action_ships_and_publishes(admin_client, shipment_of, captured_events):
    first, second = shipment_of(), shipment_of()

    response = run_action(admin_client, "mark_shipped", first, second)

    assert response.status_code == 200
    shipped = {s.pk: s for s in Shipment.objects.all()}
    assert {s.status for s in shipped.values()} == {"shipped"}
    assert sorted(messages_of(response)) == sorted(
        ("success", f"Order {s.order_id}: shipped (tracking number {s.tracking_number}).")
        for s in shipped.values()
    )
    assert {e.shipment_id for e in captured_events if isinstance(e, ShipmentShipped)} == {
        first.pk,
        second.pk,
    }


def test_mark_shipped_action_reports_each_conflict_and_repeat(admin_client, shipment_of):
    cancelled, shipped, pending = shipment_of(), shipment_of(), shipment_of()
    order_cancelled(cancelled.order_id)
    deliver("shipping")
    tracking = services.shipment_mark_shipped(shipment_id=shipped.pk).tracking_number

    response = run_action(admin_client, "mark_shipped", cancelled, shipped, pending)

    pending_tracking = Shipment.objects.get(pk=pending.pk).tracking_number

    assert sorted(messages_of(response)) == [
        (
            "error",
            f"The shipment of order {cancelled.order_id} is cancelled; "
            "it cannot be marked shipped.",
        ),
        ("success", f"Order {pending.order_id}: shipped (tracking number {pending_tracking})."),
        ("warning", f"Order {shipped.order_id}: already shipped (tracking number {tracking})."),
    ]
    assert Shipment.objects.get(pk=cancelled.pk).status == "cancelled"


def test_mark_delivered_action(admin_client, shipment_of) -> None:
    shipped, pending = shipment_of(), shipment_of()
    services.shipment_mark_shipped(shipment_id=shipped.pk)

    response = run_action(admin_client, "mark_delivered", shipped, pending)

    assert Shipment.objects.get(pk=shipped.pk).status == "delivered"
    assert Shipment.objects.get(pk=pending.pk).status == "pending"
    assert {level for level, _ in messages_of(response)} == {"success", "error"}


def test_shipment_page_is_read_only(admin_client, shipment_of) -> None:
    shipment = shipment_of()
    url = reverse("admin:shipping_shipment_change", args=[shipment.pk])

    page = admin_client.get(url)
    posted = admin_client.post(url, {"status": "delivered"})

    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert str(shipment.order_id) in page.content.decode()
    assert posted.status_code == 403
    assert Shipment.objects.get(pk=shipment.pk).status == "pending"


def test_shipments_cannot_be_added_or_deleted(admin_client, shipment_of) -> None:
    shipment = shipment_of()

    assert admin_client.get(reverse("admin:shipping_shipment_add")).status_code == 403
    delete = reverse("admin:shipping_shipment_delete", args=[shipment.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert Shipment.objects.count() == 1


def test_staff_who_may_only_view_cannot_ship(client, django_user_model, shipment_of) -> None:
    viewer = django_user_model.objects.create_user("viewer", password="x", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_shipment"))
    client.force_login(viewer)
    shipment = shipment_of()

    listed = client.get(CHANGELIST)
    run_action(client, "mark_shipped", shipment)

    assert listed.status_code == 200
    assert listed.context["action_form"] is None
    assert Shipment.objects.get(pk=shipment.pk).status == "pending"
