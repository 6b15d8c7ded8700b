import os

import pytest

from tests.conftest import EVENTS_PACKAGE


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("MODKIT_MODULES_PACKAGE") != EVENTS_PACKAGE:
        raise pytest.UsageError(
            f"tests/modkit/events needs MODKIT_MODULES_PACKAGE={EVENTS_PACKAGE} (make test sets it)"
        )


@pytest.fixture(autouse=True)
def state_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("MODKIT_TEST_STATE_DIR", str(tmp_path))
    return tmp_path
