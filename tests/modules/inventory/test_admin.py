"""The operator's admin: stock is changed only through the audited adjust form."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from modules.inventory import services
from modules.inventory.models import StockAdjustment, StockItem

pytestmark = pytest.mark.django_db

ADJUST = "admin:inventory_stockitem_adjust"


def test_stock_changelist_shows_available_and_filters_low_stock(admin_client, stock) -> None:
    stock("PLENTY", 50)
    stock("LOW", 3)
    stock("GONE", 2)
    services.reservation_create(order_id=uuid.uuid4(), lines=[("GONE", 2)])
    url = reverse("admin:inventory_stockitem_changelist")

    everything = admin_client.get(url)
    low = admin_client.get(url, {"level": "low"})
    out = admin_client.get(url, {"level": "out"})

    assert everything.status_code == 200
    assert [i.sku for i in everything.context["cl"].result_list] == ["GONE", "LOW", "PLENTY"]
    assert [i.sku for i in low.context["cl"].result_list] == ["LOW"]
    assert [i.sku for i in out.context["cl"].result_list] == ["GONE"]
    assert admin_client.get(url, {"q": "PLEN"}).context["cl"].result_count == 1


def test_adjust_form_creates_a_sku_and_audits_it(admin_client) -> None:
    response = admin_client.post(
        reverse(ADJUST), {"sku": "NEW-1", "delta": 12, "reason": "first delivery"}
    )

    item = StockItem.objects.get(sku="NEW-1")
    assert response.status_code == 302
    assert response.url == reverse("admin:inventory_stockitem_change", args=[item.pk])
    assert item.on_hand == 12
    assert StockAdjustment.objects.get(sku="NEW-1").reason == "first delivery"


def test_adjust_form_shows_the_refusal_when_units_are_reserved(admin_client, stock) -> None:
    stock("A-1", 5)
    services.reservation_create(order_id=uuid.uuid4(), lines=[("A-1", 4)])

    response = admin_client.post(reverse(ADJUST), {"sku": "A-1", "delta": -3, "reason": "count"})

    assert response.status_code == 200
    assert "4 reserved" in str(response.context["form"].non_field_errors())
    assert StockItem.objects.get(sku="A-1").on_hand == 5


def test_adding_a_stock_item_goes_through_the_adjust_form(admin_client) -> None:
    response = admin_client.get(reverse("admin:inventory_stockitem_add"))

    assert response.status_code == 302
    assert response.url == reverse(ADJUST)


def test_stock_item_page_is_read_only_with_history_and_an_adjust_link(admin_client, stock) -> None:
    item = stock("A-1", 5)
    services.stock_adjust(sku="A-1", delta=-1, reason="broken jar")

    response = admin_client.get(reverse("admin:inventory_stockitem_change", args=[item.pk]))
    posted = admin_client.post(
        reverse("admin:inventory_stockitem_change", args=[item.pk]), {"on_hand": 100}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert f"{reverse(ADJUST)}?sku=A-1" in page
    assert "broken jar" in page
    assert posted.status_code == 403
    assert StockItem.objects.get(sku="A-1").on_hand == 4


def test_only_an_empty_stock_item_can_be_deleted(admin_client, stock) -> None:
    full = stock("FULL", 1)
    empty = stock("EMPTY", 0)

    refused = admin_client.post(
        reverse("admin:inventory_stockitem_delete", args=[full.pk]), {"post": "yes"}
    )
    allowed = admin_client.post(
        reverse("admin:inventory_stockitem_delete", args=[empty.pk]), {"post": "yes"}
    )

    assert refused.status_code == 403
    assert allowed.status_code == 302
    assert list(StockItem.objects.values_list("sku", flat=True)) == ["FULL"]


def test_adjusting_needs_the_change_permission(client, django_user_model) -> None:
    viewer = django_user_model.objects.create_user("viewer", password="x", is_staff=True)
    client.force_login(viewer)

    response = client.post(reverse(ADJUST), {"sku": "A-1", "delta": 1, "reason": "sneaky"})

    assert response.status_code == 403
    assert not StockItem.objects.exists()


def test_reservation_pages_show_lines_and_find_overdue_ones(admin_client, stock) -> None:
    stock("A-1", 5)
    overdue = services.reservation_create(
        order_id=uuid.uuid4(), lines=[("A-1", 2)], now=timezone.now() - timedelta(hours=1)
    )
    services.reservation_create(order_id=uuid.uuid4(), lines=[("A-1", 1)])
    changelist = reverse("admin:inventory_reservation_changelist")

    listed = admin_client.get(changelist, {"deadline": "overdue"})
    by_sku = admin_client.get(changelist, {"q": "A-1"})
    detail = admin_client.get(reverse("admin:inventory_reservation_change", args=[overdue.pk]))

    assert [r.pk for r in listed.context["cl"].result_list] == [overdue.pk]
    assert by_sku.context["cl"].result_count == 2
    assert detail.status_code == 200
    assert detail.context["has_change_permission"] is False
    assert "A-1" in detail.content.decode()


def test_reservations_and_adjustments_cannot_be_added_in_the_admin(admin_client) -> None:
    assert admin_client.get(reverse("admin:inventory_reservation_add")).status_code == 403
    assert admin_client.get(reverse("admin:inventory_stockadjustment_add")).status_code == 403


def test_adjustments_filter_by_source(admin_client, stock, order_id) -> None:
    stock("A-1", 5)
    services.reservation_create(order_id=order_id, lines=[("A-1", 2)])
    services.reservation_commit(order_id=order_id)
    url = reverse("admin:inventory_stockadjustment_changelist")

    manual = admin_client.get(url, {"source": "manual"}).context["cl"].result_list
    orders = admin_client.get(url, {"source": "order"}).context["cl"].result_list

    assert [(a.delta, a.order_id) for a in manual] == [(5, None)]
    assert [(a.delta, a.order_id) for a in orders] == [(-2, order_id)]


def test_the_full_history_link_lists_one_skus_adjustments(admin_client, stock) -> None:
    stock("A-1", 5)
    stock("B-2", 5)

    url = reverse("admin:inventory_stockadjustment_changelist")

    response = admin_client.get(url, {"sku": "A-1"})

    assert [a.sku for a in response.context["cl"].result_list] == ["A-1"]


def test_the_adjust_form_is_prefilled_with_the_sku(admin_client) -> None:
    response = admin_client.get(reverse(ADJUST), {"sku": "A-1"})

    assert response.status_code == 200
    assert response.context["form"]["sku"].value() == "A-1"
    assert "Adjust stock" in response.content.decode()
