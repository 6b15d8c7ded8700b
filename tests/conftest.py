import os
from pathlib import Path

pytest_plugins = ["modkit.testing"]

# tests/modkit/events runs in a session of its own, against the test modules of its eventmods/
# package (MODKIT_MODULES_PACKAGE=tests.modkit.events.eventmods; `make test` runs both sessions):
# one process's app registry holds one modules package.
EVENTS_PACKAGE = "tests.modkit.events.eventmods"
_here = Path(__file__).parent

if os.environ.get("MODKIT_MODULES_PACKAGE") == EVENTS_PACKAGE:
    collect_ignore = [
        str(p.relative_to(_here))
        for p in [*_here.iterdir(), *(_here / "modkit").iterdir()]
        if p.name not in ("modkit", "events", "conftest.py", "__init__.py", "__pycache__")
    ]
else:
    collect_ignore = ["modkit/events"]
