"""The events benchmark's workers run this app: ``config.celery``'s, unchanged unless asked.

``EVENTBENCH_DB_REUSE_MAX=N`` (``bench/events.py --db-reuse-max N``) sets Celery's
``CELERY_DB_REUSE_MAX``: without it Celery's Django fixup closes every database connection
before and after each task, so every task opens a new PostgreSQL connection.
"""

import os

from config.celery import app

if os.environ.get("EVENTBENCH_DB_REUSE_MAX"):
    app.conf["CELERY_DB_REUSE_MAX"] = int(os.environ["EVENTBENCH_DB_REUSE_MAX"])

__all__ = ["app"]
