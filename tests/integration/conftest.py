"""Integration tests: real servers (S3, JupyterLab, OpenAI's API on 127.0.0.1), a local Ray
cluster, subprocesses, the model, the packaging. `make check` leaves them out."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test in this folder ``integration`` (a conftest's ``pytestmark`` marks
    nothing)."""
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.integration)
