"""The main job: a tutorial notebook opened in JupyterLab and run in Chromium, as `make lab` does.

`make lab` runs `jupyter lab notebooks/`; here the session's JupyterLab serves a copy of
`notebooks/` and the browser runs a whole tutorial — widgets included — top to bottom.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

from conftest import Lab, Notebook

ROOT = Path(__file__).parents[2]


def on_last_cell(page: Any, command: str) -> None:
    """Make the notebook's last cell active and run a JupyterLab command on it."""
    page.evaluate(
        """(command) => {
            const notebook = window.jupyterapp.shell.currentWidget.content;
            notebook.activeCellIndex = notebook.widgets.length - 1;
            return window.jupyterapp.commands.execute(command);
        }""",
        command,
    )


def test_make_lab_serves_the_notebooks_folder() -> None:
    recipe = subprocess.run(
        ["make", "-n", "-o", "setup", "lab"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert "-m jupyter lab notebooks/" in recipe


def test_evaluation_tutorial_runs_in_the_browser(lab: Lab, browser: Any) -> None:
    target = lab.root / "tutorials"
    shutil.copytree(ROOT / "notebooks", target, dirs_exist_ok=True)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        page.goto(lab.url("tutorials/06_evaluation.ipynb"))
        page.wait_for_selector(".jp-Notebook", timeout=90_000)
        nb = Notebook(page, "tutorials/06_evaluation.ipynb")
        nb.wait_idle()
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
        # Everything but the clean-up cell (it closes the widget), then the clean-up.
        on_last_cell(page, "notebook:run-all-above")
        nb.wait_idle(timeout=300)
        errors = page.locator('[data-mime-type="application/vnd.jupyter.error"]')
        assert errors.count() == 0, errors.first.inner_text()
        # The EvalWidget rendered live: bars, the per-query grid, and a working drill-down.
        page.wait_for_selector(".vsl-eval [data-testid=chart] svg", timeout=60_000)
        assert page.locator(".vsl-eval [data-testid=cell]").count() == 4 * 45
        # The notebook's last drill() call from Python already shows q30 under "vector".
        page.wait_for_selector('.vsl-eval[data-drill="q30/vector"]')
        page.locator('.vsl-eval tr[data-query="q30"] td[data-config="hybrid (RRF)"]').click()
        page.wait_for_selector('.vsl-eval[data-drill="q30/hybrid (RRF)"] [data-testid=relevant]')
        assert "augassign" in page.locator(".vsl-eval [data-testid=hits]").inner_text()
        # Clicking the cell already shown redraws it too (no trait changes then).
        page.locator('.vsl-eval tr[data-query="q30"] td[data-config="hybrid (RRF)"]').click()
        head = page.locator(".vsl-eval [data-testid=drill-head]")
        page.wait_for_function(
            "(el) => !el.textContent.includes('searching')", arg=head.element_handle()
        )
        assert "increment a variable in place" in head.inner_text()
        nb.screenshot("tutorial-06")
        on_last_cell(page, "notebook:run-cell")
        page.wait_for_selector(".vsl-eval", state="detached", timeout=60_000)  # view closed
        nb.wait_idle()
        assert errors.count() == 0
        assert nb.kernel("import os; print(os.path.exists(workdir))").strip() == "False"
    finally:
        context.close()
