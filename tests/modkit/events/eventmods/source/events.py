from modkit.events import Event


class ThingHappened(Event, frozen=True, kw_only=True):
    """A numbered thing happened; ``fail_times`` tells beta.flaky how often to fail first."""

    n: int
    fail_times: int = 0
    fragile: bool = False
