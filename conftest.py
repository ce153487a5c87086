"""Root pytest configuration: doctest namespace and collection rules shared by all tests."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Generator

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
    from vecstore_lab._render.html import RESULTS_MIME

    for item in items:
        notebook = item.parent
        skip = getattr(notebook, "skip_compare", None)
        if isinstance(skip, tuple) and RESULTS_MIME not in skip:
            notebook.skip_compare = (*skip, RESULTS_MIME)  # type: ignore[union-attr]
    _parallel_groups(items)


UI_TESTS = Path(__file__).parent / "tests" / "ui"


NOTEBOOKS = Path(__file__).parent / "notebooks"


def _parallel_groups(items: list[pytest.Item]) -> None:
    """Browser tests first, then the tutorials, then the rest: the order of a serial run.
    Under `make test` xdist hands the units out by test count, which also puts the browser
    group (the most tests) first. Handing the tutorials out right after it (with
    ``--no-loadscope-reorder``) was tried: the tutorials' model work then ran beside the
    browser tests, and a map click test failed twice under that load."""

    def rank(item: pytest.Item) -> int:
        if UI_TESTS in item.path.parents:
            return 0
        return 1 if NOTEBOOKS in item.path.parents else 2

    items.sort(key=rank)  # stable: the order within each kind is kept


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist, which a plain run may lack
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """How `make test` (``-n 2``) shares the work between its two workers. Each file is one
    unit (a notebook's cells run in order in one kernel; a module's fixtures are built once)
    and every browser test is in one ("tests/ui"): one JupyterLab and one Chromium, on the
    worker that waits on pages while the other one computes. xdist's own ``loadgroup``
    would say the same with marks, but it renames node ids, which pytest 9 ignores."""
    from xdist.scheduler import LoadScopeScheduling

    class ByFile(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return "tests/ui" if path.startswith("tests/ui/") else path

    return ByFile(config, log)


# A tutorial shows no stray warnings or stderr. A cell whose stderr is part of the lesson
# carries the tag "stderr-expected", and the markdown cell before it says why
# (tests/unit/test_tutorial_outputs.py checks that).
STDERR_TAG = "stderr-expected"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    result = yield  # raises if the cell failed: that failure is reported as it is
    outputs = getattr(item, "test_outputs", None)
    cell = getattr(item, "cell", None)
    if outputs is None or cell is None:
        return result
    if STDERR_TAG not in cell.get("metadata", {}).get("tags", []):
        stderr = "".join(o.get("text", "") for o in outputs if o.get("name") == "stderr")
        if stderr.strip():
            pytest.fail(f"the cell wrote to stderr (a tutorial shows none):\n{stderr[:2000]}")
    return result
