from django.utils import timezone

from modkit.events import subscribe

from ..emitter.events import Ticked
from .models import Received


@subscribe(Ticked)
def record(event: Ticked) -> None:
    """One row, committed with the inbox entry; ``handled_at`` is taken inside that transaction."""
    Received.objects.create(
        event_id=event.event_id,
        phase=event.phase,
        seq=event.seq,
        occurred_at=event.occurred_at,
        handled_at=timezone.now(),
    )
