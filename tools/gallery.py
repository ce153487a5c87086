"""Render every widget and the VecStore panel into PNGs, plus an index.html that shows them
side by side: JupyterLab light and dark, a narrow (sidebar-width) page, and Notebook 7, with
hostile and long text. Look at it before calling a visual change done.

    make gallery                      # build/gallery/index.html
    python tools/gallery.py --out DIR [--quick]
"""

from __future__ import annotations

import argparse
import html
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import nbformat

import vecstore_lab as vl
from vecstore_lab.testing.browser import launch_chromium
from vecstore_lab.testing.lab import Lab, start_lab, stop_lab

# name: the selector of its root (the first match is shot)
WIDGETS = {
    "search": ".vsl-search:not(:has(.vsl-compare))",
    "compare": ".vsl-search:has(.vsl-compare)",
    "why": ".vsl-search:has(.vsl-why)",
    "judge": ".vsl-judge",
    "browser": ".vsl-browser",
    "map": ".vsl-map",
    "facets": ".vsl-facets",
    "linked-map": ":nth-match(.vsl-map, 2)",  # dimmed by the facets' picks
    "map-compare": ".vsl-mapcmp",
    "eval": ".vsl-eval",
    "telemetry": ".vsl-telemetry",
}
# name, theme, Notebook 7?, page width
VARIANTS = [
    ("lab-light", "JupyterLab Light", False, 1400),
    ("lab-dark", "JupyterLab Dark", False, 1400),
    ("narrow", "JupyterLab Light", False, 640),
    ("notebook7", "JupyterLab Light", True, 1400),
]
HOSTILE = '<img src=x onerror="window.__xss=1"> <b>not bold</b> & "quotes"'
LONG = "a sentence that runs on and on without a break " * 12

CELLS = [
    """
import tempfile
import vecstore_lab as vl
from vecstore_lab.widgets import (
    CollectionBrowser, EmbeddingMap, EvalWidget, FacetWidget, JudgeWidget, SearchWidget,
    TelemetryWidget, link,
)

vl.telemetry.enable()
db = vl.connect("gallery-data", embedder=vl.HashEmbedder(dim=64))
docs = db.get_collection("docs")
""",
    """
sw = SearchWidget(docs, k=4, query="moon tides", mode="hybrid",
                  judgements=vl.Judgements(docs, judge="gallery"))
sw.grade(sw.last_results.ids[0], 3)
sw
""",
    """
cw = SearchWidget(docs, k=5, query="moon tides", judgements=vl.Judgements(docs, judge="gallery"),
                  compare={"vector": {"mode": "vector"},
                           "hybrid, a longer name": {"mode": "hybrid"}})
cw.grade(cw.compared_results[1].ids[1], 2)
cw
""",
    """
jw = JudgeWidget(docs, ["moon tides", "bread"], [{"mode": "vector"}, {"mode": "text"}],
                 depth=3, judge="ana")
for item in jw.items[:2]:
    jw.grade(item["id"], 2)
    vl.Judgements(docs, judge="bo").grade("moon tides", item["id"], 1)
jw.goto(0)
jw
""",
    """
minilm = db.get_or_create_collection("minilm", embedder=vl.SentenceTransformerEmbedder())
minilm.upsert(ids=["kitten", "rug", "bread"],
           texts=["A small kitten sleeps on a rug. It wakes at noon, hungry and loud.",
                  "A rug for the kitten: wool, red. The kitten sleeps there every day.",
                  "Sourdough bread needs a starter."])
SearchWidget(minilm, k=2, query="kitten sleeps on a rug", mode="hybrid", rerank="colbert")
""",
    """
CollectionBrowser(docs, page_size=6)
""",
    """
em = EmbeddingMap(docs, color_by="topic")
_ = em.show_query("stock markets", k=5)
em
""",
    """
lm = EmbeddingMap(docs, color_by="topic", labels=False, density=False, height=320)
lb = CollectionBrowser(docs, page_size=4)
fw = FacetWidget(docs, ["topic", "year"])
linked = link(fw, lm, lb)
fw.pick("topic", ["tides", "bread"])
fw.pick("year", ["2004..2006", "2014..2016"])
display(fw, lm, lb)
""",
    """
words16 = vl.connect("gallery-data", embedder=vl.HashEmbedder(dim=16)).get_collection("docs16")
EmbeddingMap.compare(docs, words16, k=8, height=300)
""",
    """
qs, qr = {"q1": "moon tides", "q2": "bread"}, {"q1": {"d0": 2, "d4": 1}, "q2": {"d2": 1}}
vl.eval.evaluate(docs, qs, qr, {"vector": {}, "hybrid": {"mode": "hybrid"}}, k=3, label="monday")
EvalWidget(docs, qs, qr,
           {"vector": {}, "text, a longer name": {"mode": "text"}, "hybrid": {"mode": "hybrid"}},
           k=3, label="tuesday", show_history=True)
""",
    """
for _ in range(5):
    docs.query("moon tides", k=5, mode="hybrid")
TelemetryWidget()
""",
]


def make_data(root: Path) -> None:
    """The collection every view shows: four topics, hostile and long text, long names."""
    db = vl.connect(root / "gallery-data", embedder=vl.HashEmbedder(dim=64))
    docs = db.create_collection("docs")
    topics = ["the moon and the tides", "stock markets", "sourdough bread", "planets and stars"]
    n = 120
    texts = [f"{topics[i % 4]}, note {i}" for i in range(n)]
    texts[1], texts[5] = HOSTILE + " moon tides", LONG + " tides"
    docs.add(
        ids=[f"d{i}" for i in range(n)],
        texts=texts,
        metadatas=[
            {
                "topic": topics[i % 4].split()[-1],
                "year": 2000 + i % 25,
                "a_rather_long_column_name": f"value {i}",
            }
            for i in range(n)
        ],
    )
    # The same documents under another embedder, for EmbeddingMap.compare.
    other = vl.connect(root / "gallery-data", embedder=vl.HashEmbedder(dim=16))
    other.create_collection("docs16").add(ids=[f"d{i}" for i in range(n)], texts=texts)
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(c.strip()) for c in CELLS],
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
    )
    nbformat.write(nb, root / "gallery.ipynb")


def wait_idle(page: Any, timeout: float = 180) -> None:
    page.wait_for_function(
        """() => {
            const nb = window.jupyterapp.shell.currentWidget;
            const k = nb && nb.sessionContext && nb.sessionContext.session
                && nb.sessionContext.session.kernel;
            return !!k && k.status === 'idle'
                && Array.from(document.querySelectorAll('.jp-InputArea-prompt'))
                    .every((p) => !p.textContent.includes('*'));
        }""",
        timeout=timeout * 1000,
    )


def set_theme(page: Any, theme: str) -> None:
    page.evaluate(
        "(t) => window.jupyterapp.commands.execute('apputils:change-theme', {theme: t})", theme
    )
    light = "false" if theme.endswith("Dark") else "true"
    page.wait_for_function(f"() => document.body.dataset.jpThemeLight === '{light}'")
    page.wait_for_timeout(300)


def render(browser: Any, lab: Lab, out: Path, variant: tuple[str, str, bool, int]) -> list[str]:
    """Screenshots of one variant; returns the names of the PNGs written."""
    name, theme, notebook7, width = variant
    context = browser.new_context(viewport={"width": width, "height": 1000})
    page = context.new_page()
    page.goto(lab.notebook7_url("gallery.ipynb") if notebook7 else lab.url("gallery.ipynb"))
    page.wait_for_selector(".jp-Notebook", timeout=90_000)
    wait_idle(page)
    set_theme(page, theme)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    wait_idle(page)
    page.wait_for_selector(".vsl-map[data-points]", timeout=90_000)
    page.wait_for_selector(".vsl-eval [data-testid=chart] svg", timeout=90_000)
    page.wait_for_selector(".vsl-telemetry svg", timeout=90_000)
    page.wait_for_selector(".vsl-mapcmp[data-points][data-size]", timeout=90_000)
    page.wait_for_timeout(800)  # the last draws
    written = []
    folder = out / name
    folder.mkdir(parents=True, exist_ok=True)
    page.wait_for_selector(".vsl-links path", state="attached", timeout=90_000)
    # "why?" opened on the ColBERT-reranked widget's first hit, a query token hovered.
    why = page.locator(".vsl-search:has(select option[value=colbert]:checked)").first
    why.scroll_into_view_if_needed()
    why.locator("[data-testid=why]").first.click()
    why.locator(".vsl-why-qtok").nth(1).wait_for(timeout=90_000)
    for widget, selector in WIDGETS.items():
        root = page.locator(selector).first
        root.scroll_into_view_if_needed()
        if widget == "why":  # a query token hovered: its token in the hit lights up
            root.locator(".vsl-why-qtok").nth(1).hover()
        page.wait_for_timeout(200)
        root.screenshot(path=str(folder / f"{widget}.png"))
        written.append(f"{name}/{widget}.png")
    if not notebook7:
        page.locator(".jp-SideBar .lm-TabBar-tab[data-id='vecstore-lab-panel']").click()
        panel = page.locator("#vecstore-lab-panel")
        panel.locator("[data-testid=collection][data-name='docs']").click()
        panel.locator("[data-testid=stats]").wait_for(timeout=30_000)
        panel.locator("[data-testid=panel-query]").fill("moon tides")
        panel.locator("[data-testid=panel-search]").click()
        panel.locator("[data-testid=hit]").first.wait_for(timeout=60_000)
        panel.screenshot(path=str(folder / "panel.png"))
        written.append(f"{name}/panel.png")
    context.close()
    return written


def index_html(out: Path, shots: dict[str, list[str]]) -> None:
    names = [*WIDGETS, "panel"]
    head = "".join(f"<th>{html.escape(v)}</th>" for v in shots)
    rows = []
    for widget in names:
        cells = []
        for variant, files in shots.items():
            f = f"{variant}/{widget}.png"
            cells.append(
                f'<td><a href="{f}"><img src="{f}" loading="lazy"></a></td>'
                if f in files
                else "<td>(none)</td>"
            )
        rows.append(f"<tr><th>{widget}</th>{''.join(cells)}</tr>")
    (out / "index.html").write_text(
        "<!doctype html><meta charset=utf-8><title>vecstore-lab gallery</title>"
        "<style>body{font:14px system-ui;margin:16px}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:6px;vertical-align:top}"
        "img{max-width:480px;display:block}</style>"
        f"<h1>vecstore-lab gallery</h1><p>Rendered {time.strftime('%Y-%m-%d %H:%M')}.</p>"
        f"<table><tr><th></th>{head}</tr>{''.join(rows)}</table>"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("build/gallery"))
    parser.add_argument("--quick", action="store_true", help="JupyterLab light only")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    out: Path = args.out
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    variants = VARIANTS[:1] if args.quick else VARIANTS
    with tempfile.TemporaryDirectory(prefix="vecstore-gallery-") as tmp:
        root, settings = Path(tmp, "root"), Path(tmp, "settings")
        root.mkdir()
        make_data(root)
        lab, proc = start_lab(root, settings)
        try:
            with sync_playwright() as pw:
                browser = launch_chromium(pw)
                shots = {v[0]: render(browser, lab, out, v) for v in variants}
                browser.close()
        finally:
            stop_lab(proc)
    index_html(out, shots)
    print(f"gallery: {sum(map(len, shots.values()))} images in {out / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
