from django.db import models


class Received(models.Model):
    """One row per handled Ticked event (duplicates would show as repeated event ids)."""

    event_id = models.UUIDField(db_index=True)
    phase = models.CharField(max_length=20)
    seq = models.IntegerField()
    occurred_at = models.DateTimeField()
    handled_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.phase} {self.seq}"
