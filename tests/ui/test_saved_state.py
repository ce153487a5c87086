"""Widgets survive saving: a saved notebook reopened with no kernel shows their last view, and
they run in Notebook 7 as in JupyterLab."""

from __future__ import annotations

import json
from typing import Any

from conftest import kernel_json, wait_for

SETUP = """
import tempfile
import vecstore_lab as vl
from vecstore_lab.widgets import SearchWidget

scratch = tempfile.TemporaryDirectory()
db = vl.connect(scratch.name, embedder=vl.HashEmbedder(dim=32))
docs = db.create_collection("docs")
docs.add(ids=["tides", "bonds", "bread", "evil"],
         texts=["the moon raises the tides", "bond prices fall as rates rise",
                "sourdough bread needs time", "<img src=x onerror=alert(1)> moon <b>x</b>"])
w = SearchWidget(docs, k=3)
w.search("moon tides", mode="hybrid")
w
"""


def test_saved_notebook_shows_its_widgets_again(open_notebook: Any, lab: Any) -> None:
    nb = open_notebook("saved.ipynb", [SETUP])
    nb.run_all()
    page = nb.page
    page.wait_for_selector(".vsl-search [data-testid=hit]", timeout=90_000)
    expected = kernel_json(nb, "w.last_results.ids")
    page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
    path = lab.root / "saved.ipynb"

    def saved_state() -> dict[str, Any]:
        meta = json.loads(path.read_text()).get("metadata", {})
        return dict(meta.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}))

    assert wait_for(lambda: saved_state().get("state"), timeout=30)
    models = saved_state()["state"].values()
    search = [m for m in models if m["state"].get("_esm", "").find("vsl-search") >= 0]
    assert len(search) == 1, "the SearchWidget's model, with its front end, is in the file"
    # The static fallback sits next to the view for pages that cannot run widgets.
    outputs = json.loads(path.read_text())["cells"][0]["outputs"]
    html = next(o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {}))
    assert all(i in "".join(html) for i in expected) and "<img" not in "".join(html)

    # Shut the kernel down and reopen the saved file: a fresh kernel knows nothing of `w`, yet
    # the widget shows the saved hits, rebuilt from the state in the file.
    page.evaluate("() => window.jupyterapp.commands.execute('kernelmenu:shutdown')")
    page.close()
    again = open_notebook("saved.ipynb", None)
    try:
        again.page.locator(".vsl-search [data-testid=hit]").first.wait_for(timeout=60_000)
    except Exception:
        again.screenshot("saved-notebook-reopened-failed")
        raise
    assert kernel_json(again, "'w' in globals()") is False
    assert hit_ids(again.page) == expected
    assert again.page.locator(".vsl-search img, .vsl-search script").count() == 0
    assert "Error displaying widget" not in again.page.locator(".jp-Notebook").inner_text()
    # It says plainly that it is a saved picture, and its controls take no input that would
    # go nowhere.
    banner = again.page.locator(".vsl-search [data-testid=saved-view]")
    assert banner.is_visible()
    assert banner.inner_text() == "Saved view: run the cell to search again."
    for control in ("query", "k", "mode", "filter", "search", "live"):
        assert again.page.locator(f".vsl-search [data-testid={control}]").is_disabled(), control
    again.screenshot("saved-notebook-reopened")
    # Running the cell again brings a live widget: no banner, and a search from the page works.
    again.run_all()
    fresh = again.page.locator(".vsl-search").first
    assert wait_for(lambda: fresh.get_attribute("data-live") == "true")
    assert not fresh.locator("[data-testid=saved-view]").is_visible()
    fresh.locator("[data-testid=query]").fill("sourdough")
    fresh.locator("[data-testid=query]").press("Enter")
    assert wait_for(lambda: hit_ids(again.page)[:1] == ["bread"])

    # The saved file in Notebook 7, with no kernel holding its widgets: drawn, no page error.
    nb7 = open_notebook("saved.ipynb", None, notebook7=True)
    nb7.page.locator(".vsl-search [data-testid=hit]").first.wait_for(timeout=60_000)
    nb7.page.wait_for_timeout(1000)
    ours = [e for e in again.errors + nb7.errors if "TypeError" in e or "vsl" in e]
    assert not ours, ours

    # A copy edited elsewhere is not trusted: JupyterLab will not run its widget code. The
    # extension's MIME renderer (safe: all text) shows the hits from the results JSON instead.
    data = json.loads(path.read_text())
    data["metadata"]["edited"] = True
    (lab.root / "untrusted.ipynb").write_text(json.dumps(data))
    copy = open_notebook("untrusted.ipynb", None)
    shown = copy.page.locator(".jp-Notebook .vsl-mime")
    shown.first.wait_for(timeout=60_000)
    assert hit_ids(copy.page, ".vsl-mime") == expected
    assert "<img src=x onerror=alert(1)>" in shown.first.inner_text()
    assert copy.page.locator(".jp-OutputArea-output img").count() == 0


def hit_ids(page: Any, scope: str = ".vsl-search") -> list[str]:
    ids: list[str] = page.eval_on_selector_all(
        f"{scope} [data-testid=hit]", "els => els.map((e) => e.dataset.id)"
    )
    return ids


def test_search_widget_in_notebook_7(open_notebook: Any) -> None:
    nb = open_notebook("nb7.ipynb", [SETUP], notebook7=True)
    page = nb.page
    nb.run_all()
    assert "/notebooks/nb7.ipynb" in page.url
    page.wait_for_selector(".vsl-search [data-testid=hit]", timeout=90_000)
    page.fill(".vsl-search [data-testid=query]", "bread")
    page.select_option(".vsl-search [data-testid=mode]", "text")
    page.click(".vsl-search [data-testid=search]")
    assert wait_for(lambda: kernel_json(nb, "w.last_results.ids") == ["bread"])
    assert wait_for(
        lambda: (
            page.eval_on_selector_all(
                ".vsl-search [data-testid=hit]", "els => els.map((e) => e.dataset.id)"
            )
            == ["bread"]
        )
    )
    nb.screenshot("notebook7-search-widget")
    # Nothing of ours fails on the page (a TypeError reading 'schema' showed on load once).
    ours = [e for e in nb.errors if "TypeError" in e or "vsl" in e or "vecstore" in e]
    assert not ours, ours


def test_nbconvert_html_shows_the_static_fallback(browser: Any, tmp_path: Any) -> None:
    """`jupyter nbconvert --to html` of an executed notebook (no widget state saved) shows each
    widget's static HTML: the hits with their score bars, as escaped text, in Chromium."""
    import subprocess
    import sys

    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(SETUP)])
    NotebookClient(nb, timeout=300, kernel_name="python3", store_widget_state=False).execute()
    (shown,) = [o for o in nb.cells[0].outputs if "text/html" in o.get("data", {})]
    assert "application/vnd.jupyter.widget-view+json" in shown["data"]
    source = tmp_path / "executed.ipynb"
    nbformat.write(nb, source)
    subprocess.run(
        [sys.executable, "-m", "jupyter", "nbconvert", "--to", "html", str(source)],
        check=True,
        capture_output=True,
    )
    context = browser.new_context()
    try:
        page = context.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto((tmp_path / "executed.html").as_uri())
        table = page.locator("table", has_text="SearchWidget on 'docs'")
        table.wait_for(timeout=30_000)
        text = table.inner_text()
        assert "hybrid search for 'moon tides'" in text
        rows = table.locator("tbody tr")
        assert rows.count() == 3
        ids = [rows.nth(i).locator("td").nth(1).inner_text() for i in range(3)]
        assert ids[0] == "tides" and "evil" in ids  # both mention the moon
        assert "<img src=x onerror=alert(1)>" in text and "bm25 · " in text
        assert table.locator("img, script, b").count() == 0 and not dialogs
    finally:
        context.close()
