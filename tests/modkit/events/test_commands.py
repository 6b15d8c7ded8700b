"""``manage.py events status|redeliver`` and the services behind them (modkit.events.deliveries)."""

import os
import subprocess
import sys
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from modkit.events import publish
from modkit.events.deliveries import (
    NothingToRedeliver,
    UnknownDelivery,
    delivery_status,
    redeliver,
)
from modkit.models import Delivery, OutboxEvent
from modkit.testing import drain
from tests.conftest import EVENTS_PACKAGE
from tests.modkit.events.eventmods.beta.models import Effect as BetaEffect
from tests.modkit.events.eventmods.source.events import ThingHappened

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]


def events(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("events", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def broken(state_dir, settings):
    """beta.fragile fails until the fixture's file is removed; two attempts make a dead letter."""
    settings.MODKIT_EVENTS_MAX_ATTEMPTS = 2
    flag = state_dir / "broken"
    flag.touch()
    return flag


def dead_letter(n: int) -> Delivery:
    event = publish(ThingHappened(n=n, fragile=True))
    drain()
    dead = Delivery.objects.get(handler="beta.fragile", event__event_id=event.event_id)
    assert dead.state == Delivery.State.DEAD
    return dead


# --- redeliver ---------------------------------------------------------------------------------
def test_redelivered_dead_letter_is_applied_once_after_the_fix(broken):
    dead = dead_letter(5)
    broken.unlink()

    out, err = events("redeliver", str(dead.pk))
    assert (out, err) == ("default: 1 deliveries back to pending, due now\n", "")
    dead.refresh_from_db()
    assert (dead.state, dead.attempts) == (Delivery.State.PENDING, 0)
    assert dead.next_attempt_at <= timezone.now()
    assert "broken until the fix" in dead.last_error  # kept until the handler succeeds

    assert drain() == {"handled": 1}
    dead.refresh_from_db()
    assert (dead.state, dead.attempts, dead.last_error) == (Delivery.State.DONE, 0, "")
    assert BetaEffect.objects.filter(handler="fragile").count() == 1


def test_redeliver_all_dead_chooses_every_dead_letter_and_nothing_else(broken):
    first, second = dead_letter(1), dead_letter(2)
    publish(ThingHappened(n=3))  # pending deliveries, not chosen
    done_before = Delivery.objects.filter(state=Delivery.State.DONE).count()

    out, _ = events("redeliver", "--all-dead")
    assert out == "default: 2 dead letters back to pending, due now\n"
    pending = Delivery.objects.filter(state=Delivery.State.PENDING)
    assert {first.pk, second.pk} <= set(pending.values_list("pk", flat=True))
    assert pending.count() == 2 + 4
    assert Delivery.objects.filter(state=Delivery.State.DONE).count() == done_before
    assert not Delivery.objects.filter(state=Delivery.State.DEAD).exists()


def test_redeliver_by_id_leaves_done_deliveries_alone():
    publish(ThingHappened(n=1))
    drain()
    done = Delivery.objects.filter(state=Delivery.State.DONE).first()
    out, _ = events("redeliver", str(done.pk))
    assert out == (
        "default: 0 deliveries back to pending, due now\n"
        "default: 1 of the ids given are done; left alone\n"
    )
    done.refresh_from_db()
    assert done.state == Delivery.State.DONE


def test_redeliver_an_unknown_id_fails_and_changes_nothing(broken):
    dead = dead_letter(4)
    with pytest.raises(CommandError, match=r"^no delivery 999999 on database 'default'$"):
        events("redeliver", str(dead.pk), "999999")
    dead.refresh_from_db()
    assert dead.state == Delivery.State.DEAD


def test_redeliver_needs_a_choice():
    with pytest.raises(CommandError, match="their ids, or --all-dead"):
        events("redeliver")
    with pytest.raises(NothingToRedeliver):
        redeliver(alias="default")


def test_redeliver_ids_need_a_database_when_there_are_several(settings):
    settings.MODKIT_DATABASES = {"beta": "beta"}
    with pytest.raises(CommandError, match=r"several \(beta, default\): add --database ALIAS"):
        events("redeliver", "1")


def test_an_unknown_database_is_refused():
    with pytest.raises(CommandError, match=r"no database 'nope' \(the databases are: default\)"):
        events("status", "--database", "nope")


def test_redeliver_service_counts_and_validates_before_changing(broken):
    dead = dead_letter(6)
    with pytest.raises(UnknownDelivery) as raised:
        redeliver(alias="default", ids=[dead.pk, 424242])
    assert raised.value.details == {"ids": [424242], "database": "default"}
    assert Delivery.objects.get(pk=dead.pk).state == Delivery.State.DEAD
    assert redeliver(alias="default", ids=[dead.pk], all_dead=True) == 1


# --- status ------------------------------------------------------------------------------------
@pytest.fixture
def mixed_states(broken):
    """7 done, 1 dead, 3 pending, 1 dispatched; the pending ones' event is 120 seconds old."""
    publish(ThingHappened(n=1))
    dead_letter(2)  # 3 handlers done, beta.fragile dead
    late = publish(ThingHappened(n=3))
    OutboxEvent.objects.filter(event_id=late.event_id).update(
        created_at=timezone.now() - timedelta(seconds=120)
    )
    sent = Delivery.objects.filter(event__event_id=late.event_id).order_by("id").first()
    Delivery.objects.filter(pk=sent.pk).update(
        state=Delivery.State.DISPATCHED, dispatched_at=timezone.now()
    )


def test_status_service_counts_each_state_and_ages_the_oldest_pending(mixed_states):
    status = delivery_status(alias="default")
    assert status.by_state() == {"pending": 3, "dispatched": 1, "done": 7, "dead": 1}
    assert (status.backlog, status.dead_letters) == (4, 1)
    assert 120 <= status.oldest_pending_age < 180


def test_status_command_prints_one_row_per_database(mixed_states):
    out, err = events("status")
    assert err == ""
    lines = out.splitlines()
    assert lines[0].split() == [
        "DATABASE", "PENDING", "DISPATCHED", "DONE", "DEAD", "BACKLOG", "OLDEST", "PENDING",
    ]  # fmt: skip
    row = lines[1].split()
    assert row[:6] == ["default", "3", "1", "7", "1", "4"]
    assert row[6].endswith("s")
    assert 120 <= float(row[6].removesuffix("s")) < 180
    assert lines[2] == (
        "default: 1 dead letter(s); see them in the admin (Dead letters) and, once fixed, run: "
        "manage.py events redeliver --all-dead --database default"
    )
    default_action = events()[0].splitlines()
    assert default_action[1].split()[:6] == row[:6]  # status is the default action


def test_status_of_an_idle_database():
    out, _ = events("status", "--database", "default")
    assert out.splitlines()[1].split() == ["default", "0", "0", "0", "0", "0", "-"]
    assert len(out.splitlines()) == 2


# --- as a process: exit codes ------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.django_db(databases=[])
def test_bad_input_exits_non_zero_with_the_message_on_stderr(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MODKIT_", "DATABASE_URL"))}
    env |= {
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "MODKIT_MODULES_PACKAGE": EVENTS_PACKAGE,
        "MODKIT_VAR_DIR": str(tmp_path),
    }

    def manage(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "manage.py", *args]
        return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)

    assert manage("migrate", "--verbosity", "0").returncode == 0
    unknown = manage("events", "redeliver", "999")
    assert unknown.returncode == 1
    assert unknown.stderr == "CommandError: no delivery 999 on database 'default'\n"
    nothing = manage("events", "redeliver")
    assert nothing.returncode == 1
    assert "choose the deliveries to redeliver: their ids, or --all-dead" in nothing.stderr
    status = manage("events", "status")
    assert status.returncode == 0, status.stderr
    assert status.stdout.splitlines()[1].split()[0] == "default"


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        (["--batch-size", "0"], "--batch-size"),
        (["--poll-interval", "0"], "--poll-interval"),
        (["--resend-after", "-1"], "--resend-after"),
        (["--deliveries-per-message", "0"], "--deliveries-per-message"),
    ],
)
def test_relay_refuses_numbers_that_would_spin_or_never_wait(arguments, named):
    """A batch of 0 would make a pass loop for ever; the parser says which option is wrong."""
    with pytest.raises(CommandError, match=named):
        call_command("relay", "--once", *arguments)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MODKIT_EVENTS_BATCH_SIZE", 0),
        ("MODKIT_EVENTS_POLL_INTERVAL", 0.001),  # what --poll-interval refuses too
        ("MODKIT_EVENTS_RESEND_AFTER", -1.0),
        ("MODKIT_EVENTS_DELIVERIES_PER_MESSAGE", 0),
    ],
)
def test_relay_refuses_the_same_numbers_from_the_settings(settings, name, value):
    setattr(settings, name, value)
    with pytest.raises(CommandError, match=r"MODKIT_EVENTS_BATCH_SIZE must be at least 1.*got"):
        call_command("relay", "--once")


@pytest.mark.parametrize("module", ["alpha", "beta", "source"])
def test_modules_schema_of_the_event_test_modules(module):
    """Modules without an interface, or without events, still get a valid document."""
    import json

    from openapi_spec_validator import validate

    out = StringIO()
    call_command("modules", "schema", module, stdout=out)
    document = json.loads(out.getvalue())
    validate(document)
    assert document["paths"] == {}  # no interface
    published = {"alpha": ["alpha.ThingRecorded"], "beta": [], "source": ["source.ThingHappened"]}
    assert list(document["webhooks"]) == published[module]
    consumed = [] if module == "source" else ["source.ThingHappened"]
    assert document["x-modkit"]["consumes"] == consumed
