"""The staff's view of the email log: filtered, searched, never edited."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from modules.notifications.models import EmailLog

from .conftest import deliver, order_cancelled, order_paid

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:notifications_emaillog_changelist")


def listed(client, params: dict) -> list[tuple[str, str]]:
    response = client.get(CHANGELIST, params)
    assert response.status_code == 200
    return sorted((log.kind, log.recipient) for log in response.context["cl"].result_list)


def test_email_log_filters_by_kind_and_searches(admin_client) -> None:
    ada_order, bob_order = uuid.uuid4(), uuid.uuid4()
    order_paid(ada_order, email="ada@example.com")
    order_paid(bob_order, email="bob@example.com")
    order_cancelled(ada_order, "customer_request")
    deliver()

    assert listed(admin_client, {"kind__exact": "order_cancelled"}) == [
        ("order_cancelled", "ada@example.com")
    ]
    assert listed(admin_client, {"q": "bob@"}) == [("order_confirmed", "bob@example.com")]
    assert listed(admin_client, {"q": str(ada_order)}) == [
        ("order_cancelled", "ada@example.com"),
        ("order_confirmed", "ada@example.com"),
    ]
    today = EmailLog.objects.first().sent_at
    by_day = {
        "sent_at__year": today.year,
        "sent_at__month": today.month,
        "sent_at__day": today.day,
    }
    assert len(listed(admin_client, by_day)) == 3


def test_email_log_is_read_only(admin_client) -> None:
    order_paid(uuid.uuid4())
    deliver()
    log = EmailLog.objects.get()
    url = reverse("admin:notifications_emaillog_change", args=[log.pk])

    page = admin_client.get(url)
    posted = admin_client.post(url, {"recipient": "mallory@example.com"})

    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert str(log.event_id) in page.content.decode()
    assert posted.status_code == 403
    assert admin_client.get(reverse("admin:notifications_emaillog_add")).status_code == 403
    delete = reverse("admin:notifications_emaillog_delete", args=[log.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert EmailLog.objects.get().recipient == log.recipient
