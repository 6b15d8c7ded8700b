from modkit.events import Event


class ThingRecorded(Event, frozen=True, kw_only=True):
    """alpha recorded a thing (published from its handler: its causation is the handled event)."""

    n: int
