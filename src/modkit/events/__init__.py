"""Events: declare them (``Event``), publish them in a transaction (``publish``), and handle
them in another module (``@subscribe`` in its ``receivers.py``). See docs/events.md."""

from .publishing import PublishOutsideTransaction, publish
from .subscriptions import subscribe
from .types import Event

__all__ = ["Event", "PublishOutsideTransaction", "publish", "subscribe"]
