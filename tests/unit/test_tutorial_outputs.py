"""The tutorials as shipped: no stored stderr or warnings, and outputs left unchecked only for
what truly varies between runs. (The root conftest.py fails a tutorial cell that writes to
stderr when nbval runs it.)"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from helpers import ROOT

STDERR_TAG = "stderr-expected"  # as in the root conftest.py, which fails such cells under nbval

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
# Why an output may go unchecked: the comment under the marker says, and it must name
# something that changes from run to run by nature.
VARIES = re.compile(r"timing|latenc|progress bar|span ids|third decimal|random", re.IGNORECASE)
WARNING_TEXT = re.compile(r"\b\w*(Warning|Error)\b: |^Traceback", re.MULTILINE)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_tutorial_shows_no_stderr_or_warnings(path: Path) -> None:
    cells = nbformat.read(path, 4).cells
    for i, cell in enumerate(cells):
        if cell.cell_type != "code":
            continue
        tags = cell.metadata.get("tags", [])
        stderr = [o for o in cell.outputs if o.get("name") == "stderr"]
        text = "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")
        if STDERR_TAG in tags:
            before = cells[i - 1] if i else None
            assert before is not None and before.cell_type == "markdown", (
                f"{path.name} cell {i}: a cell tagged {STDERR_TAG!r} follows a markdown cell "
                "that says why its stderr is shown"
            )
            continue
        assert not stderr, f"{path.name} cell {i} shows stderr: {stderr[0].get('text', '')[:300]}"
        assert not WARNING_TEXT.search(text), f"{path.name} cell {i} shows a warning: {text[:300]}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_unchecked_outputs_are_only_what_varies(path: Path) -> None:
    for i, cell in enumerate(nbformat.read(path, 4).cells):
        if cell.cell_type != "code" or "NBVAL_IGNORE_OUTPUT" not in cell.source:
            continue
        lines = cell.source.splitlines()
        reason = lines[1] if len(lines) > 1 else ""
        assert reason.startswith("# (") and VARIES.search(reason), (
            f"{path.name} cell {i}: NBVAL_IGNORE_OUTPUT without a reason that varies by "
            f"nature on the next line (got {reason!r})"
        )
