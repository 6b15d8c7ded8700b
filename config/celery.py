"""The Celery app: ``celery -A config worker -Q <module>[,<module>]``."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Correlation ids ride in task headers and come back around task execution.
from modkit.correlation import connect_celery_signals  # noqa: E402

connect_celery_signals()
