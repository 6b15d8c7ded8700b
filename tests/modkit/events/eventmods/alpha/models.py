from django.db import models


class Effect(models.Model):
    """One row per handled event and handler: duplicates would show as repeated event ids."""

    event_id = models.UUIDField(db_index=True)
    handler = models.CharField(max_length=100)
    n = models.IntegerField()
    correlation_id = models.CharField(max_length=128, default="")
    causation_id = models.CharField(max_length=128, default="")

    def __str__(self) -> str:
        return f"{self.handler} {self.n}"
