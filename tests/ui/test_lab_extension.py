"""The JupyterLab extension in a real JupyterLab: the VecStore side panel (on the server
extension's REST API), its commands, "Open in notebook", and the MIME renderer that shows
saved results with no kernel. Nothing is installed or enabled by the tests: pip did it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient
from test_themes import CONTRAST

import vecstore_lab as vl
from conftest import ARTIFACTS, wait_for
from vecstore_lab._render.html import RESULTS_MIME

HOSTILE = "<img src=x onerror=window.__xss=1> cats & <b>kittens</b>"
TOPICS = ["cats and kittens", "stock markets", "bread baking", "planets and stars"]


@pytest.fixture(scope="module")
def papers(lab: Any) -> vl.Collection:
    """A collection the test creates under the server's root (its embedder is stored, so the
    server can embed queries itself)."""
    db = vl.connect(lab.root / "panel-data", embedder=vl.HashEmbedder(dim=32))
    papers = db.create_collection("papers")
    papers.add(
        ids=[f"p{i}" for i in range(30)],
        texts=[HOSTILE if i == 0 else f"the {TOPICS[i % 4]} note {i}" for i in range(30)],
        metadatas=[{"topic": TOPICS[i % 4].split()[0]} for i in range(30)],
    )
    return papers


def open_lab(lab: Any, browser: Any) -> Any:
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.goto(f"{lab.base}/lab?reset&token={lab.token}")
    page.wait_for_selector(".jp-LabShell", timeout=90_000)
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.commands", timeout=60_000)
    return page


def open_panel(page: Any) -> Any:
    """The panel through its tab in the left sidebar, as a user opens it."""
    page.locator(".jp-SideBar .lm-TabBar-tab[data-id='vecstore-lab-panel']").click()
    panel = page.locator("#vecstore-lab-panel")
    panel.wait_for(state="visible", timeout=30_000)
    return panel


def pick(panel: Any, name: str) -> None:
    panel.locator(f"[data-testid=collection][data-name='{name}']").click()
    panel.locator("[data-testid=stats]").wait_for(timeout=30_000)


def shown_ids(scope: Any) -> list[str]:
    return [
        str(i)
        for i in scope.locator("[data-testid=hit]").evaluate_all(
            "(cards) => cards.map((c) => c.dataset.id)"
        )
    ]


def test_panel_lists_a_new_collection_and_runs_a_quick_query(
    lab: Any, browser: Any, papers: vl.Collection
) -> None:
    page = open_lab(lab, browser)
    # The extension is there without any step of ours: its tab is in the left sidebar.
    tab = page.locator(".jp-SideBar .lm-TabBar-tab[data-id='vecstore-lab-panel']")
    tab.wait_for(timeout=30_000)
    panel = open_panel(page)
    item = panel.locator("[data-testid=collection][data-name='papers']")
    item.wait_for(timeout=30_000)
    assert "30 rows" in item.inner_text()

    pick(panel, "papers")
    stats = panel.locator("[data-testid=stats]").inner_text()
    assert "30" in stats and "hash" in stats and "cosine" in stats
    # The full-text settings show: what BM25 matches depends on them.
    assert "full text" in stats and "English; stemmed; stop words removed" in stats
    schema = panel.locator("[data-testid=schema]").inner_text()
    for column in ("id", "text", "vector", "topic"):
        assert column in schema
    assert panel.locator("[data-testid=versions] tbody tr").count() >= 1

    panel.locator("[data-testid=panel-query]").fill("cats kittens")
    panel.locator("[data-testid=panel-mode]").select_option("hybrid")
    panel.locator("[data-testid=panel-k]").fill("5")
    panel.locator("[data-testid=panel-search]").click()
    panel.locator("[data-testid=hit]").first.wait_for(timeout=30_000)
    expected = papers.query("cats kittens", k=5, mode="hybrid").ids
    assert shown_ids(panel) == expected
    # Score bars, one per stage, and marked query terms: the SearchWidget's own cards.
    first = panel.locator("[data-testid=hit]").first
    bars = first.locator(".vsl-bar").all_inner_texts()
    assert any(b.startswith("vector") for b in bars) and any(b.startswith("fused") for b in bars)
    assert panel.locator("[data-testid=hit] mark").count() > 0
    # Document text is text: the hostile hit shows literally and runs nothing.
    assert HOSTILE in panel.locator("[data-testid=hits]").inner_text()
    assert panel.locator("[data-testid=hits] img, [data-testid=hits] b").count() == 0
    assert page.evaluate("() => window.__xss") is None
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "lab-panel.png"))

    page.context.close()


def test_commands_are_in_the_palette(lab: Any, browser: Any, papers: vl.Collection) -> None:
    page = open_lab(lab, browser)
    page.locator(".jp-Launcher").first.wait_for(timeout=60_000)  # the layout is restored
    items = page.locator(".lm-CommandPalette-item .lm-CommandPalette-itemLabel")
    wanted = {"VecStore: Open panel", "VecStore: Query collection…"}

    def palette_shows_both() -> bool:
        if not items.count():  # (re)open the palette and search, as a user does
            page.evaluate(
                "() => window.jupyterapp.commands.execute('apputils:activate-command-palette')"
            )
            page.locator(".lm-CommandPalette-input").fill("VecStore")
        return wanted <= set(items.all_inner_texts())

    assert wait_for(palette_shows_both)
    items.filter(has_text="VecStore: Open panel").click()
    panel = page.locator("#vecstore-lab-panel")
    panel.wait_for(state="visible", timeout=30_000)
    panel.locator("[data-testid=collection][data-name='papers']").wait_for(timeout=30_000)

    # "Query collection…" asks which collection, then shows it, ready for a query.
    page.evaluate(
        "() => { window.__picked = window.jupyterapp.commands.execute("
        "'vecstore-lab:query-collection'); }"
    )
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for(timeout=30_000)
    options = dialog.locator("select option").all_inner_texts()
    label = next(o for o in options if o.startswith("papers"))
    dialog.locator("select").select_option(label=label)
    dialog.locator(".jp-mod-accept").click()
    panel.locator("[data-testid=stats]").wait_for(timeout=30_000)
    assert panel.locator(".vsl-lab-item.selected").get_attribute("data-name") == "papers"
    assert page.evaluate("() => document.activeElement.dataset.testid") == "panel-query"
    page.context.close()


def test_open_in_notebook_inserts_a_working_cell(open_notebook: Any, papers: vl.Collection) -> None:
    nb = open_notebook("from-panel.ipynb", ["x = 1", "y = 2", "z = 3"])
    nb.run_all()
    page = nb.page
    # The user works in the second cell; the panel's cell goes below it, not at the top.
    page.evaluate("() => { window.jupyterapp.shell.currentWidget.content.activeCellIndex = 1; }")
    panel = open_panel(page)
    pick(panel, "papers")
    panel.locator("[data-testid=panel-query]").fill("stock markets")
    panel.locator("[data-testid=open-in-notebook]").click()
    # The cell lands in the open notebook, runs, and shows a SearchWidget on the collection.
    page.locator(".jp-Notebook .vsl-search [data-testid=hit]").first.wait_for(timeout=90_000)
    nb.wait_idle()
    cells = page.evaluate(
        "() => window.jupyterapp.shell.currentWidget.content.model.sharedModel.cells"
        ".map((c) => c.source)"
    )
    assert len(cells) == 4 and cells[:2] == ["x = 1", "y = 2"] and cells[3] == "z = 3", cells
    assert 'get_collection("papers")' in cells[2] and "SearchWidget" in cells[2]
    # The database is named relative to the notebook (both under Jupyter's root), so the
    # notebook keeps working when the project folder moves.
    assert 'vl.connect("panel-data")' in cells[2], cells[2]
    expected = papers.query("stock markets", k=10, mode="hybrid").ids
    assert nb.kernel("print(search.last_results.ids)").strip() == str(expected)
    assert shown_ids(page.locator(".jp-Notebook .vsl-search")) == expected
    nb.screenshot("lab-open-in-notebook")


def test_an_empty_panel_says_how_to_point_it_at_data(
    browser: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """With no collection under the roots, the panel says how to set them, and "Query
    collection…" says why there is nothing to pick instead of doing nothing."""
    from vecstore_lab.testing.lab import start_lab, stop_lab

    root = tmp_path_factory.mktemp("empty-lab")
    lab, proc = start_lab(root, tmp_path_factory.mktemp("empty-lab-settings"))
    try:
        page = open_lab(lab, browser)
        panel = open_panel(page)
        status = panel.locator("[data-testid=panel-status]")
        assert wait_for(lambda: status.inner_text().startswith("No collections under"))
        hint = panel.locator("[data-testid=panel-hint]")
        assert hint.is_visible()
        assert "VecStoreLab.roots" in hint.inner_text() and "Refresh" in hint.inner_text()
        # Nothing in the hint is cut off in the narrow sidebar.
        assert all(
            hint.locator("pre, p").evaluate_all(
                "els => els.map((e) => e.scrollWidth <= e.clientWidth)"
            )
        )
        page.evaluate(
            "() => { window.jupyterapp.commands.execute('vecstore-lab:query-collection'); }"
        )
        toast = page.locator(".jp-toast-message, .Toastify__toast")
        toast.first.wait_for(timeout=30_000)
        assert "No collections under" in toast.first.inner_text()
        assert page.locator(".jp-Dialog").count() == 0
        panel.screenshot(path=str(ARTIFACTS / "panel-empty.png"))
        # A database made under the root shows after Refresh, and the hint goes.
        vl.connect(root / "mine", embedder=vl.HashEmbedder(dim=8)).create_collection("notes")
        panel.locator("[data-testid=refresh]").click()
        panel.locator("[data-testid=collection][data-name='notes']").wait_for(timeout=30_000)
        assert not hint.is_visible()
        page.context.close()
    finally:
        stop_lab(proc)


def _saved_results_notebook(path: Path, db: Path) -> list[str]:
    """A notebook that displays QueryResults, executed and saved the way nbconvert does;
    returns the ids it shows."""
    code = (
        "import vecstore_lab as vl\n"
        f"papers = vl.connect({str(db)!r}).get_collection('papers')\n"
        "papers.query('cats kittens', k=4, mode='hybrid')"
    )
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    nbformat.write(nb, path)
    (output,) = nb.cells[0].outputs
    return [row["id"] for row in output["data"][RESULTS_MIME]["rows"]]


def test_saved_results_render_with_the_kernel_shut_down(
    open_notebook: Any, lab: Any, papers: vl.Collection
) -> None:
    ids = _saved_results_notebook(lab.root / "saved-results.ipynb", lab.root / "panel-data")
    assert ids == papers.query("cats kittens", k=4, mode="hybrid").ids and "p0" in ids
    nb = open_notebook("saved-results.ipynb", None)
    page = nb.page
    page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.shutdown()")
    assert wait_for(
        lambda: page.evaluate("() => !window.jupyterapp.shell.currentWidget.sessionContext.session")
    )
    rendered = page.locator(".jp-Notebook .vsl-mime")
    rendered.wait_for(timeout=30_000)
    assert shown_ids(rendered) == ids
    assert "hybrid search for 'cats kittens': 4 hits" in rendered.inner_text()
    bars = rendered.locator("[data-testid=hit]").first.locator(".vsl-bar").all_inner_texts()
    assert [b.split()[0] for b in bars] == ["vector", "bm25", "fused"]
    # Hostile document text shows as text: no element made from it, no script run.
    assert HOSTILE in rendered.inner_text()
    assert rendered.locator("img, b").count() == 0
    assert page.evaluate("() => window.__xss") is None
    nb.screenshot("lab-saved-results-no-kernel")


@pytest.mark.parametrize("theme", ["JupyterLab Light", "JupyterLab Dark"])
def test_panel_reads_well_in_each_theme(
    lab: Any, browser: Any, papers: vl.Collection, theme: str
) -> None:
    page = open_lab(lab, browser)
    page.evaluate(
        "(theme) => window.jupyterapp.commands.execute('apputils:change-theme', {theme})", theme
    )
    dark = theme.endswith("Dark")
    assert wait_for(
        lambda: page.evaluate("() => document.body.dataset.jpThemeLight") == str(not dark).lower()
    )
    panel = open_panel(page)
    pick(panel, "papers")
    panel.locator("[data-testid=panel-query]").fill("bread")
    panel.locator("[data-testid=panel-search]").click()
    panel.locator("[data-testid=hit] mark").first.wait_for(timeout=30_000)
    page.wait_for_timeout(500)  # the theme's stylesheet applies
    shown = page.evaluate(CONTRAST, ["#vecstore-lab-panel", "var(--vsl-bg)"])
    assert (shown["background"] < 0.1) == dark, shown
    checks = [
        ("collection name", "#vecstore-lab-panel .vsl-lab-item.selected", "var(--vsl-tint)"),
        ("stats", "#vecstore-lab-panel .vsl-lab-stats dd", "var(--vsl-bg)"),
        ("schema header", "#vecstore-lab-panel .vsl-table th", "var(--vsl-bg-alt)"),
        ("hit text", "#vecstore-lab-panel .vsl-text", "var(--vsl-bg)"),
        ("score bar", "#vecstore-lab-panel .vsl-bar", "var(--vsl-bar-fill)"),
        ("marked term", "#vecstore-lab-panel mark", "var(--vsl-mark)"),
    ]
    failures = []
    for what, selector, background in checks:
        ratio = page.evaluate(CONTRAST, [selector, background])["ratio"]
        if ratio < 4.5:
            failures.append(f"{what}: {ratio:.2f}")
    assert not failures, failures
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"lab-panel-{theme.rsplit(maxsplit=1)[-1].lower()}.png"))
    page.context.close()
