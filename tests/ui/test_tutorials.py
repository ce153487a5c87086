"""The main job: the README's `make lab` started for real, and tutorials run in Chromium.

One test runs `make lab` itself (as the CI user, root) and runs the quickstart in it; another
serves a copy of `notebooks/` from the session's JupyterLab and runs the evaluation tutorial,
widgets included, top to bottom.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conftest import Lab, Notebook
from vecstore_lab.testing.lab import free_port

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).parents[2]


def test_readme_main_job_starts_and_runs_a_tutorial(browser: Any, tmp_path: Path) -> None:
    """`make lab` itself (setup included), as this user (root in CI), then 01 in Chromium.

    Only server options are added (LAB_ARGS: port, token, no browser). Autosave is switched
    off through a settings directory of the test's own, so running the tutorial leaves the
    notebook in the repository as it was.
    """
    readme = (ROOT / "README.md").read_text()
    assert "make lab    # main job" in readme
    if os.geteuid() == 0:  # Jupyter refuses root without this; make lab must pass it
        dry = subprocess.run(
            ["make", "-n", "-o", "setup", "lab"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        assert "--allow-root" in dry.stdout
        # ... and a normal user's `make lab` does not ask for it (the Makefile alone, in a
        # folder that user can read, wherever the checkout lives).
        shared = Path(tempfile.mkdtemp(prefix="vecstore-make-"))
        try:
            shared.chmod(0o755)
            shutil.copy(ROOT / "Makefile", shared / "Makefile")
            as_user = subprocess.run(
                ["runuser", "-u", "nobody", "--", "make", "-n", "-o", "setup", "lab"],
                cwd=shared,
                capture_output=True,
                text=True,
                check=True,
            )
        finally:
            shutil.rmtree(shared)
        assert "-m jupyter lab" in as_user.stdout and "--allow-root" not in as_user.stdout
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    before = {p: p.read_bytes() for p in notebooks}
    settings = tmp_path / "settings" / "@jupyterlab" / "docmanager-extension"
    settings.mkdir(parents=True)
    (settings / "plugin.jupyterlab-settings").write_text('{"autosave": false}')
    port, token = free_port(), secrets.token_hex(16)
    lab_args = (
        f"--no-browser --ip=127.0.0.1 --port={port} --IdentityProvider.token={token} "
        "--LabApp.expose_app_in_browser=True --LabApp.news_url="
    )
    log_path = tmp_path / "make-lab.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            ["make", f"PY={sys.executable}", "lab", f"LAB_ARGS={lab_args}"],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "settings")},
            start_new_session=True,  # make, pip, npm and jupyter: one group to stop
        )
    context = None
    try:
        wait_until_up(f"http://127.0.0.1:{port}/api/status?token={token}", proc, log_path)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{port}/lab/tree/01_quickstart.ipynb?reset&token={token}")
        page.wait_for_selector(".jp-Notebook", timeout=90_000)
        nb = Notebook(page, "01_quickstart.ipynb")
        nb.wait_idle()
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
        nb.run_all(timeout=300)
        # Read the outputs from the notebook model: cells scrolled out of view are not drawn.
        outputs = page.evaluate(
            """() => {
                const model = window.jupyterapp.shell.currentWidget.content.model;
                const out = [];
                for (const cell of model.cells) {
                    if (cell.type !== "code") continue;
                    for (let i = 0; i < cell.outputs.length; i++)
                        out.push(cell.outputs.get(i).toJSON());
                }
                return out;
            }"""
        )
        errors = [o for o in outputs if o["output_type"] == "error"]
        assert not errors, errors[0]
        text = json.dumps(outputs)
        assert len(outputs) >= 15
        assert "Finding planets by transits" in text and "DuplicateIdError" in text
        nb.screenshot("make-lab-01")
    finally:
        if context is not None:
            context.close()
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    assert {p: p.read_bytes() for p in notebooks} == before


def wait_until_up(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    """Wait for the server (make lab installs first: allow for npm ci and pip)."""
    deadline = time.time() + 900
    while not responds(url):
        if proc.poll() is not None or time.time() > deadline:
            raise AssertionError(f"make lab did not serve:\n{log.read_text()[-3000:]}")
        time.sleep(1)


def responds(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except OSError:
        return False


@contextlib.contextmanager
def tutorial_run_all(lab: Lab, browser: Any, name: str) -> Iterator[tuple[Any, Notebook]]:
    """A copy of tutorial ``name`` in the session's JupyterLab, outputs cleared, then Run All
    (as a reader would), checked to have raised nothing."""
    target = lab.root / "tutorials"
    shutil.copytree(ROOT / "notebooks", target, dirs_exist_ok=True)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        page.goto(lab.url(f"tutorials/{name}"))
        page.wait_for_selector(".jp-Notebook", timeout=90_000)
        nb = Notebook(page, f"tutorials/{name}")
        nb.wait_idle()
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
        nb.run_all(timeout=300)
        errors = page.locator('[data-mime-type="application/vnd.jupyter.error"]')
        assert errors.count() == 0, errors.first.inner_text()
        yield page, nb
        assert errors.count() == 0
    finally:
        context.close()


def test_run_all_leaves_every_widget_of_the_widgets_tutorial_visible(
    lab: Lab, browser: Any
) -> None:
    with tutorial_run_all(lab, browser, "05_widgets.ipynb") as (page, nb):
        views = page.evaluate(
            """() => {
                let n = 0;
                for (const cell of window.jupyterapp.shell.currentWidget.content.model.cells)
                    if (cell.type === "code")
                        for (let i = 0; i < cell.outputs.length; i++)
                            // Ours carry a static HTML fallback; ipywidgets' Output does not.
                            if ("application/vnd.jupyter.widget-view+json" in
                                (cell.outputs.get(i).toJSON().data || {}) &&
                                "text/html" in (cell.outputs.get(i).toJSON().data || {})) n += 1;
                return n;
            }"""
        )
        assert views >= 4  # search, telemetry, browser, map (and any shown twice)
        # Every widget output is drawn, none blank or closed (each cell scrolled into view, as
        # JupyterLab draws only what is near the viewport).
        drawn: set[str] = set()
        cells = page.evaluate("() => window.jupyterapp.shell.currentWidget.content.widgets.length")
        for index in range(cells):
            page.evaluate(
                "(i) => window.jupyterapp.shell.currentWidget.content.scrollToItem(i, 'center')",
                index,
            )
            page.wait_for_timeout(150)
            for root in page.locator(".jp-OutputArea-output .vsl").all():
                if root.inner_text().strip():
                    drawn.add(
                        root.evaluate("(el) => el.closest('.jp-Cell').dataset.windowedListIndex")
                    )
        assert len(drawn) == views, (drawn, views)
        # ... and each shows what it is for, live (not a saved picture), with no stderr.
        assert page.locator(".vsl-search").first.locator("[data-testid=hit]").count() >= 1
        assert page.locator(".vsl-browser tbody tr").count() >= 1
        assert page.locator(".vsl-telemetry svg").count() >= 1
        drawn_maps = page.eval_on_selector_all(
            ".vsl-map",
            "els => els.map((e) => [Number(e.dataset.points), e.__scatter.get('isPointsDrawn')])",
        )
        assert drawn_maps and all(n > 0 and ok for n, ok in drawn_maps), drawn_maps
        kinds = ("search", "map", "browser", "telemetry")
        widgets = ", ".join(f".jp-Notebook .vsl-{w}" for w in kinds)
        lives = page.eval_on_selector_all(widgets, "els => els.map((e) => e.dataset.live)")
        assert lives and all(v == "true" for v in lives), lives
        stderr = page.locator('[data-mime-type="application/vnd.jupyter.stderr"]')
        assert stderr.count() == 0, stderr.first.inner_text()
        nb.screenshot("tutorial-05-run-all")
