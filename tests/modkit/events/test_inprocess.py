"""publish → outbox → drain → handlers, in-process (the deterministic test path)."""

import pytest
from django.db import transaction

from modkit.events import PublishOutsideTransaction, publish
from modkit.models import Delivery, InboxEntry, OutboxEvent
from modkit.testing import capture_events, drain
from tests.modkit.events.eventmods.alpha.models import Effect as AlphaEffect
from tests.modkit.events.eventmods.beta.models import Effect as BetaEffect
from tests.modkit.events.eventmods.source.events import ThingHappened

pytestmark = pytest.mark.django_db


def test_publish_writes_outbox_and_one_delivery_per_subscriber():
    with capture_events() as captured:
        publish(ThingHappened(n=1))
    assert [e.n for e in captured] == [1]
    row = OutboxEvent.objects.get()
    assert row.name == "source.ThingHappened"
    handlers = sorted(Delivery.objects.values_list("handler", flat=True))
    assert handlers == ["alpha.record", "beta.flaky", "beta.fragile", "beta.record"]
    assert {d.queue for d in Delivery.objects.all()} == {"alpha", "beta"}


def test_drain_applies_each_handler_once_even_when_delivered_twice():
    publish(ThingHappened(n=7))
    assert drain() == {"handled": 4}
    assert AlphaEffect.objects.filter(n=7).count() == 1
    Delivery.objects.update(state=Delivery.State.PENDING)  # as if every message came back
    assert drain() == {"duplicate": 4}
    assert AlphaEffect.objects.count() == 1
    assert BetaEffect.objects.filter(handler="record").count() == 1
    assert InboxEntry.objects.count() == 4


def test_failing_handler_retries_then_succeeds_once(state_dir):
    publish(ThingHappened(n=3, fail_times=3))
    outcomes = drain()
    assert outcomes["retrying"] == 3
    flaky = Delivery.objects.get(handler="beta.flaky")
    assert flaky.state == Delivery.State.DONE
    assert flaky.attempts == 3
    assert BetaEffect.objects.filter(handler="flaky").count() == 1


def test_always_failing_handler_parks_as_dead_letter(state_dir, settings):
    settings.MODKIT_EVENTS_MAX_ATTEMPTS = 4
    (state_dir / "broken").touch()
    publish(ThingHappened(n=5, fragile=True))
    assert drain()["dead"] == 1
    dead = Delivery.objects.get(handler="beta.fragile")
    assert dead.state == Delivery.State.DEAD
    assert dead.attempts == 4
    assert "broken until the fix" in dead.last_error
    assert "Traceback" in dead.last_traceback
    assert not BetaEffect.objects.filter(handler="fragile").exists()


@pytest.mark.django_db(transaction=True)
def test_publish_outside_a_transaction_is_refused():
    with pytest.raises(PublishOutsideTransaction, match=r"transaction\.atomic"):
        publish(ThingHappened(n=0))
    assert not OutboxEvent.objects.exists()
    with transaction.atomic():
        publish(ThingHappened(n=0))
    assert OutboxEvent.objects.count() == 1


def test_rolled_back_transaction_publishes_nothing():
    def change_that_fails() -> None:
        with transaction.atomic():
            publish(ThingHappened(n=9))
            raise RuntimeError("business change failed")

    with pytest.raises(RuntimeError):
        change_that_fails()
    assert not OutboxEvent.objects.exists()
    assert drain() == {}
