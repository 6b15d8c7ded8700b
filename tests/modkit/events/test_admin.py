"""The kernel's admin: outbox events, deliveries, dead letters and "Redeliver selected"."""

import pytest
from django.urls import reverse

from modkit.events import publish
from modkit.models import Delivery, OutboxEvent
from modkit.testing import drain
from tests.modkit.events.eventmods.beta.models import Effect as BetaEffect
from tests.modkit.events.eventmods.source.events import ThingHappened

pytestmark = pytest.mark.django_db

DELIVERIES = "/admin/modkit/delivery/"
DEAD_LETTERS = "/admin/modkit/deadletter/"
OUTBOX = "/admin/modkit/outboxevent/"


@pytest.fixture
def broken(state_dir, settings):
    settings.MODKIT_EVENTS_MAX_ATTEMPTS = 2
    flag = state_dir / "broken"
    flag.touch()
    return flag


@pytest.fixture
def dead(broken) -> Delivery:
    """One event handled by three handlers, and dead for beta.fragile."""
    publish(ThingHappened(n=8, fragile=True))
    drain()
    return Delivery.objects.get(handler="beta.fragile", state=Delivery.State.DEAD)


def listed(response) -> list[int]:
    return [obj.pk for obj in response.context["cl"].result_list]


# --- pages -------------------------------------------------------------------------------------
def test_delivery_changelist_is_headed_by_the_status(admin_client, dead):
    publish(ThingHappened(n=9))  # four pending deliveries
    response = admin_client.get(DELIVERIES)
    assert response.status_code == 200
    status = response.context["delivery_status"]
    assert status.by_state() == {"pending": 4, "dispatched": 0, "done": 3, "dead": 1}
    html = response.content.decode()
    assert '<td id="status-backlog">4</td>' in html
    assert "pending 4 · dispatched 0 · done 3 · dead 1" in html
    assert f'<a href="{DEAD_LETTERS}">1</a>' in html
    assert len(listed(response)) == 8
    assert "RuntimeError: fragile: broken until the fix" in html  # the truncated last error


def test_delivery_changelist_filters_by_state_and_searches_by_event_id(admin_client, dead):
    other = publish(ThingHappened(n=9))
    response = admin_client.get(DELIVERIES, {"state__exact": "dead"})
    assert listed(response) == [dead.pk]
    response = admin_client.get(DELIVERIES, {"q": str(other.event_id)})
    assert len(listed(response)) == 4
    assert {d.event.event_id for d in response.context["cl"].result_list} == {other.event_id}
    response = admin_client.get(DELIVERIES, {"q": "fragile"})
    assert len(listed(response)) == 2


def test_dead_letters_lists_only_dead_deliveries(admin_client, dead):
    publish(ThingHappened(n=9))
    response = admin_client.get(DEAD_LETTERS)
    assert response.status_code == 200
    assert listed(response) == [dead.pk]
    assert response.context["delivery_status"].dead_letters == 1
    index = admin_client.get("/admin/").content.decode()
    assert f'<a href="{DEAD_LETTERS}"' in index  # one click from the admin's home page


def test_delivery_detail_shows_the_traceback(admin_client, dead):
    for url in (f"{DELIVERIES}{dead.pk}/change/", f"{DEAD_LETTERS}{dead.pk}/change/"):
        response = admin_client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert '<pre class="modkit-traceback">Traceback (most recent call last):' in html
        assert "RuntimeError: fragile: broken until the fix" in html
        assert 'name="_save"' not in html  # read-only


def test_outbox_changelist_counts_open_deliveries_and_detail_pretty_prints(admin_client, dead):
    response = admin_client.get(OUTBOX, {"name": "source.ThingHappened"})
    assert response.status_code == 200
    (event,) = [e for e in response.context["cl"].result_list if e.pk == dead.event_id]
    assert event.open_count == 1  # beta.fragile is dead, the three others done
    assert response.context["delivery_status"].dead_letters == 1
    response = admin_client.get(OUTBOX, {"q": str(dead.event.event_id)})
    assert listed(response) == [dead.event_id]

    html = admin_client.get(f"{OUTBOX}{dead.event_id}/change/").content.decode()
    assert "<pre>{\n  &quot;causation_id&quot;: null," in html
    assert "&quot;fragile&quot;: true," in html
    assert reverse("admin:modkit_delivery_change", args=[dead.pk]) in html  # its deliveries


def test_nothing_can_be_added_changed_or_deleted(admin_client, dead):
    assert admin_client.get(f"{DELIVERIES}add/").status_code == 403
    assert admin_client.get(f"{OUTBOX}add/").status_code == 403
    assert admin_client.get(f"{DEAD_LETTERS}add/").status_code == 403
    assert admin_client.post(f"{DELIVERIES}{dead.pk}/delete/").status_code == 403
    assert admin_client.post(f"{OUTBOX}{dead.event_id}/delete/").status_code == 403
    response = admin_client.post(f"{DELIVERIES}{dead.pk}/change/", {"state": "done"})
    assert response.status_code == 403
    assert Delivery.objects.get(pk=dead.pk).state == Delivery.State.DEAD
    assert OutboxEvent.objects.filter(pk=dead.event_id).exists()


# --- the action --------------------------------------------------------------------------------
def test_redeliver_selected_puts_dead_letters_back_and_they_apply_once(admin_client, dead, broken):
    broken.unlink()
    response = admin_client.post(
        DEAD_LETTERS, {"action": "redeliver_selected", "_selected_action": [dead.pk]}, follow=True
    )
    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"]]
    assert shown == ["1 deliveries back to pending, due now; the relay sends them shortly."]
    dead.refresh_from_db()
    assert (dead.state, dead.attempts) == (Delivery.State.PENDING, 0)
    assert drain() == {"handled": 1}
    assert BetaEffect.objects.filter(handler="fragile").count() == 1
    assert listed(admin_client.get(DEAD_LETTERS)) == []


def test_redeliver_selected_leaves_done_deliveries_alone(admin_client, dead):
    done = Delivery.objects.filter(state=Delivery.State.DONE).values_list("pk", flat=True)
    response = admin_client.post(
        DELIVERIES,
        {"action": "redeliver_selected", "_selected_action": [dead.pk, *done]},
        follow=True,
    )
    shown = [str(m) for m in response.context["messages"]]
    assert shown == [
        "1 deliveries back to pending, due now; the relay sends them shortly.",
        "3 of the selected deliveries are done and were left alone.",
    ]
    assert Delivery.objects.filter(state=Delivery.State.DONE).count() == 3


def test_staff_without_the_change_permission_cannot_redeliver(client, django_user_model, dead):
    from django.contrib.auth.models import Permission

    viewer = django_user_model.objects.create_user("viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_delivery"))
    client.force_login(viewer)
    response = client.get(DELIVERIES)
    assert response.status_code == 200
    assert "redeliver_selected" not in response.content.decode()
    client.post(DELIVERIES, {"action": "redeliver_selected", "_selected_action": [dead.pk]})
    assert Delivery.objects.get(pk=dead.pk).state == Delivery.State.DEAD


def test_non_staff_are_sent_to_the_login_page(client, django_user_model, dead):
    client.force_login(django_user_model.objects.create_user("customer"))
    for url in (DELIVERIES, DEAD_LETTERS, OUTBOX, f"{DELIVERIES}{dead.pk}/change/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"/admin/login/?next={url}"
