"""The Celery app: ``celery -A config worker -Q <module>[,<module>]``."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Correlation ids ride in task headers and come back around task execution.
from celery.signals import setup_logging  # noqa: E402

from modkit.correlation import connect_celery_signals  # noqa: E402

connect_celery_signals()


@setup_logging.connect
def keep_django_logging(**kwargs: object) -> None:
    """Leave logging to Django's LOGGING (JSON-ready format with the correlation ids): without a
    receiver here, Celery replaces the root handlers in workers and the ids vanish from logs."""
