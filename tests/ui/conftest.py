"""Browser tests: a real JupyterLab on 127.0.0.1 driven by Playwright in Debian's Chromium.

The server runs for the whole session in a temp directory; each test writes a notebook
there, opens it, runs it, then clicks and types like a user. Kernel-side state is read by
executing code in the notebook's own kernel through JupyterLab's API.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest

from vecstore_lab.testing.browser import chromium_path, launch_chromium
from vecstore_lab.testing.lab import Lab, start_lab, stop_lab

CHROMIUM = chromium_path()
ARTIFACTS = Path(os.environ.get("VECSTORE_UI_ARTIFACTS", "/tmp/vecstore-ui-artifacts"))

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every browser test ``ui`` (a conftest's ``pytestmark`` marks nothing)."""
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.ui)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the item, so a fixture can tell that its test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium (see .ci/run)")
    lab, proc = start_lab(tmp_path_factory.mktemp("lab"), tmp_path_factory.mktemp("lab-settings"))
    yield lab
    stop_lab(proc)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = launch_chromium(pw)
        yield b
        b.close()


class Notebook:
    """An open notebook page with helpers to run it and to talk to its kernel."""

    def __init__(self, page: Any, name: str) -> None:
        self.page, self.name = page, name
        self.errors: list[str] = []

    def run_all(self, timeout: float = 180) -> None:
        self.page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        self.wait_idle(timeout)

    def wait_idle(self, timeout: float = 180) -> None:
        self.page.wait_for_function(
            """() => {
                const nb = window.jupyterapp.shell.currentWidget;
                const k = nb && nb.sessionContext && nb.sessionContext.session
                    && nb.sessionContext.session.kernel;
                if (!k || k.status !== 'idle') return false;
                return Array.from(document.querySelectorAll('.jp-InputArea-prompt'))
                    .every((p) => !p.textContent.includes('*'));
            }""",
            timeout=timeout * 1000,
        )

    def kernel(self, code: str, timeout: float = 60) -> str:
        """Run ``code`` in the notebook's kernel and return what it printed."""
        result = self.page.evaluate(
            """async (code) => {
                const nb = window.jupyterapp.shell.currentWidget;
                const kernel = nb.sessionContext.session.kernel;
                const future = kernel.requestExecute({ code, store_history: false });
                let out = "";
                let err = "";
                future.onIOPub = (msg) => {
                    if (msg.header.msg_type === "stream") out += msg.content.text;
                    if (msg.header.msg_type === "error")
                        err += msg.content.ename + ": " + msg.content.evalue;
                };
                await future.done;
                return { out, err };
            }""",
            code,
        )
        if result["err"]:
            raise AssertionError(f"kernel error: {result['err']}")
        return str(result["out"])

    def screenshot(self, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def keep_evidence(page: Any, name: str) -> None:
    """A failed test leaves a screenshot of each page it opened and the text every widget
    showed (errors and status lines included) in ARTIFACTS, and prints that text, so a CI
    failure says what the user would have seen."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        texts = page.eval_on_selector_all(
            "div.vsl",
            """els => els.map((e) => {
                const copy = e.cloneNode(true);  // without the injected stylesheet
                copy.querySelectorAll("style").forEach((s) => s.remove());
                return copy.textContent;
            })""",
        )
    except Exception as exc:  # the page may be what broke
        print(f"no evidence from {name}: {exc}")
        return
    print(f"--- what the widgets on {name} showed ---")
    for text in texts:
        print(text[:2000])


@pytest.fixture
def open_notebook(lab: Lab, browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    contexts = []

    def opener(
        name: str, cells: list[str] | None, *, notebook7: bool = False, wait: bool = True
    ) -> Notebook:
        """Write ``cells`` as notebook ``name`` (``None``: open the file as it is) and open it in
        JupyterLab, or in Notebook 7."""
        if cells is not None:
            nb = nbformat.v4.new_notebook(
                cells=[nbformat.v4.new_code_cell(c) for c in cells],
                metadata={
                    "kernelspec": {
                        "name": "python3",
                        "display_name": "Python 3",
                        "language": "python",
                    }
                },
            )
            nbformat.write(nb, lab.root / name)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        contexts.append(context)
        page = context.new_page()
        errors: list[str] = []  # what the page reported as errors, from its first load on
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(lab.notebook7_url(name) if notebook7 else lab.url(name))
        page.wait_for_selector(".jp-Notebook", timeout=90_000)
        notebook = Notebook(page, name)
        notebook.errors = errors
        if wait:
            notebook.wait_idle()
        return notebook

    yield opener
    report = getattr(request.node, "report_call", None)
    for i, context in enumerate(contexts):
        for j, page in enumerate(context.pages):
            if report is not None and report.failed:
                keep_evidence(page, f"{request.node.name}-{i}-{j}")
    # The kernels this test started are shut down: later tests do not share the machine with
    # a dozen idle kernels and what they hold.
    if contexts and contexts[0].pages:
        try:
            contexts[0].pages[0].evaluate(
                "() => window.jupyterapp.serviceManager.sessions.shutdownAll()"
            )
        except Exception as exc:
            print(f"kernels not shut down: {exc}")
    for context in contexts:
        context.close()


def kernel_json(notebook: Notebook, expr: str) -> Any:
    out = notebook.kernel(f"import json as _j; print(_j.dumps({expr}, default=str))")
    return json.loads(out.strip().splitlines()[-1])


def wait_for(fn: Any, timeout: float = 30.0) -> Any:
    """Poll ``fn`` until it returns something truthy (or time runs out); return its value."""
    deadline = time.time() + timeout
    while True:
        value = fn()
        if value or time.time() > deadline:
            return value
        time.sleep(0.25)


def set_theme(page: Any, theme: str, settle_ms: int = 300) -> None:
    """Switch JupyterLab to ``theme`` ("JupyterLab Light" or "JupyterLab Dark") and wait until
    the page says so and its stylesheet has applied."""
    page.evaluate(
        "(theme) => window.jupyterapp.commands.execute('apputils:change-theme', {theme})", theme
    )
    light = "false" if theme.endswith("Dark") else "true"
    assert wait_for(lambda: page.evaluate("() => document.body.dataset.jpThemeLight") == light)
    page.wait_for_timeout(settle_ms)


# A collection of 1,200 short notes on four topics, with a category ("topic") and a number
# ("weight", 0..999): the map and linked-view tests start their cells with it.
TOPIC_NOTES = """
import tempfile
import vecstore_lab as vl

db = vl.connect(tempfile.mkdtemp(), embedder=vl.HashEmbedder(dim=32))
docs = db.create_collection("docs")
topics = ["cats and kittens", "stock markets", "bread baking", "planets and stars"]
n = 1200
docs.add(ids=[f"d{i}" for i in range(n)],
         texts=[f"{topics[i % 4]} note {i}" for i in range(n)],
         metadatas=[{"topic": topics[i % 4].split()[0], "weight": (i * 37) % 1000}
                    for i in range(n)])
"""
