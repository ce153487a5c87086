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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """nbval compares a JSON output exactly (its sanitizer only sees text), so the results
    JSON for the JupyterLab renderer is left out: the text/html next to it carries the same
    hits and is compared, with floats sanitized to two decimals."""
    from vecstore_lab._static import RESULTS_MIME

    for item in items:
        notebook = item.parent
        skip = getattr(notebook, "skip_compare", None)
        if isinstance(skip, tuple) and RESULTS_MIME not in skip:
            notebook.skip_compare = (*skip, RESULTS_MIME)  # type: ignore[union-attr]
