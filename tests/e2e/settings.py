"""Settings of the processes that the shop's end-to-end tests start (see tests/e2e/shop.py).

The test settings (fast password hashing, DEBUG off), with one difference: emails are written
to files in ``E2E_EMAIL_DIR`` (one directory per test), so a test counts the emails that really
left, in every worker process, rather than trusting a log table.
"""

import os

from config.settings.test import *  # noqa: F403

EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.environ["E2E_EMAIL_DIR"]
