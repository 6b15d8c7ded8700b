from modkit.events import Event


class Ticked(Event, frozen=True, kw_only=True):
    """Tick number ``seq`` of a benchmark ``phase``."""

    seq: int
    phase: str = ""
