"""Root pytest configuration: doctest namespace and collection rules shared by all tests."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pathlib import Path

# `python -m vecstore_lab` entry point: importing it runs the CLI.
collect_ignore = ["vecstore_lab/__main__.py"]


@pytest.fixture(autouse=True)
def _doctest_namespace(doctest_namespace: dict[str, object], tmp_path: Path) -> None:
    """Docstring examples may use ``tmp_path`` for databases they create."""
    doctest_namespace["tmp_path"] = tmp_path
