import logging

from modkit import correlation
from modkit.events import publish, subscribe

from ..source.events import ThingHappened
from .events import ThingRecorded
from .models import Effect

logger = logging.getLogger(__name__)


@subscribe(ThingHappened)
def record(event: ThingHappened) -> None:
    logger.info("alpha records thing %s", event.n)
    Effect.objects.create(
        event_id=event.event_id,
        handler="record",
        n=event.n,
        correlation_id=correlation.correlation_id.get() or "",
        causation_id=correlation.causation_id.get() or "",
    )
    publish(ThingRecorded(n=event.n))
