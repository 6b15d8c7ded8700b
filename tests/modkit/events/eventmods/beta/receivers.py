import os
import time
from pathlib import Path

from modkit.events import subscribe

from ..source.events import ThingHappened
from .models import Effect


def _state_dir() -> Path:
    return Path(os.environ.get("MODKIT_TEST_STATE_DIR", "/tmp"))


def _attempt(event: ThingHappened, handler: str) -> int:
    """Count this attempt outside any transaction; returns the attempt number (1-based)."""
    path = _state_dir() / f"{handler}-{event.event_id}"
    with path.open("a") as f:
        f.write("x")
    return path.stat().st_size


@subscribe(ThingHappened)
def record(event: ThingHappened) -> None:
    delay = float(os.environ.get("MODKIT_TEST_HANDLER_DELAY", "0"))
    if delay:
        time.sleep(delay)
    Effect.objects.create(event_id=event.event_id, handler="record", n=event.n)


@subscribe(ThingHappened)
def flaky(event: ThingHappened) -> None:
    if not event.fail_times:
        return
    attempt = _attempt(event, "flaky")
    if attempt <= event.fail_times:
        raise RuntimeError(f"flaky: attempt {attempt} of event {event.n} fails on purpose")
    Effect.objects.create(event_id=event.event_id, handler="flaky", n=event.n)


@subscribe(ThingHappened)
def fragile(event: ThingHappened) -> None:
    if not event.fragile:
        return
    _attempt(event, "fragile")
    if (_state_dir() / "broken").exists():
        raise RuntimeError("fragile: broken until the fix")
    Effect.objects.create(event_id=event.event_id, handler="fragile", n=event.n)
