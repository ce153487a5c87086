"""TelemetryWidget, CollectionBrowser and EmbeddingMap in JupyterLab."""

from __future__ import annotations

from typing import Any

from conftest import kernel_json, wait_for

TELEMETRY = """
import tempfile
import vecstore_lab as vl
from vecstore_lab.widgets import TelemetryWidget

recorder = vl.telemetry.enable()
db = vl.connect(tempfile.mkdtemp(), embedder=vl.HashEmbedder(dim=32))
docs = db.create_collection("docs")
docs.add(ids=[str(i) for i in range(50)],
         texts=[f"note {i} about topic {i % 5}" for i in range(50)])
tw = TelemetryWidget(interval=0.2)
tw
"""


def test_telemetry_widget_updates_live(open_notebook: Any) -> None:
    nb = open_notebook("telemetry.ipynb", [TELEMETRY])
    nb.run_all()
    page = nb.page
    page.wait_for_selector(".vsl-telemetry [data-testid=counters]", timeout=60_000)
    nb.kernel("for _ in range(12): docs.query('topic 3', k=5, mode='hybrid')")
    counter = page.locator('[data-counter="queries"] b')
    assert wait_for(lambda: counter.inner_text() == "12")
    assert page.locator(".vsl-telemetry [data-testid=timeline] svg").count() >= 1
    bars = page.locator(".vsl-telemetry [data-testid=percentiles] svg")
    assert bars.count() >= 1 and "search.fts" in (bars.first.text_content() or "")
    before = int(page.locator(".vsl-telemetry").get_attribute("data-updates") or 0)
    nb.kernel("for _ in range(3): docs.query('topic 1', k=5)")
    assert wait_for(lambda: counter.inner_text() == "15")
    assert int(page.locator(".vsl-telemetry").get_attribute("data-updates") or 0) > before
    nb.screenshot("telemetry-widget")


BROWSER = """
import tempfile
import numpy as np
import vecstore_lab as vl
from vecstore_lab.widgets import CollectionBrowser

db = vl.connect(tempfile.mkdtemp())
big = db.create_collection("big", dim=4)
n = 1234
big.add(ids=[f"r{i:05d}" for i in range(n)], texts=[f"<i>row</i> {i}" for i in range(n)],
        vectors=np.random.default_rng(0).normal(size=(n, 4)),
        metadatas=[{"rating": (i * 37) % 1000, "group": f"g{i % 3}"} for i in range(n)])
cb = CollectionBrowser(big, page_size=50)
cb
"""


def test_collection_browser_pages_and_sorts(open_notebook: Any) -> None:
    nb = open_notebook("browser.ipynb", [BROWSER])
    nb.run_all()
    page = nb.page
    page.wait_for_selector(".vsl-browser [data-testid=rows] tbody tr", timeout=60_000)
    info = page.locator("[data-testid=page-info]")
    assert info.inner_text() == "page 1 of 25 · 1234 rows"
    assert page.locator("[data-testid=rows] tbody tr").count() == 50
    assert "<i>row</i> 0" in page.locator("[data-testid=rows] tbody").inner_text()
    assert page.locator(".vsl-browser i").count() == 0  # shown as text
    page.click("[data-testid=next]")
    assert wait_for(lambda: info.inner_text() == "page 2 of 25 · 1234 rows")
    first = page.locator("[data-testid=rows] tbody tr").first
    assert first.get_attribute("data-id") == "r00050"
    assert kernel_json(nb, "cb.page") == 1
    page.click('th[data-col="rating"]')
    expected = kernel_json(nb, "sorted(range(1234), key=lambda i: ((i * 37) % 1000, i))[0]")
    assert wait_for(
        lambda: (
            first.get_attribute("data-id") == f"r{expected:05d}"
            or kernel_json(nb, "cb.sort_by") == "rating"
        )
    )
    assert wait_for(lambda: page.locator('th[data-col="rating"]').inner_text().endswith("▲"))
    page.click('th[data-col="rating"]')
    assert wait_for(lambda: page.locator('th[data-col="rating"]').inner_text().endswith("▼"))
    top = page.locator("[data-testid=rows] tbody tr").first.locator("td").nth(2)  # rating
    assert wait_for(lambda: top.inner_text() == "999")
    assert kernel_json(nb, "[cb.sort_by, cb.descending, cb.page]") == ["rating", True, 0]
    stats = page.locator("[data-testid=stats]").inner_text()
    assert "rows: 1234" in stats and "dim: 4" in stats
    assert "rating: int64" in page.locator("[data-testid=schema]").inner_text()
    assert "1234 rows" in page.locator("[data-testid=versions]").inner_text()
    nb.screenshot("collection-browser")


MAP = """
import tempfile
import vecstore_lab as vl
from vecstore_lab.widgets import EmbeddingMap

db = vl.connect(tempfile.mkdtemp(), embedder=vl.HashEmbedder(dim=32))
docs = db.create_collection("docs")
topics = ["cats and kittens", "stock markets", "bread baking", "planets and stars"]
docs.add(ids=[f"d{i}" for i in range(80)],
         texts=[f"{topics[i % 4]} note {i}" for i in range(80)],
         metadatas=[{"topic": topics[i % 4].split()[0]} for i in range(80)])
em = EmbeddingMap(docs, color_by="topic")
em
"""


def test_embedding_map_query_and_selection(open_notebook: Any) -> None:
    nb = open_notebook("map.ipynb", [MAP])
    nb.run_all()
    page = nb.page
    svg = page.locator(".vsl-map [data-testid=map-svg]")
    svg.wait_for(timeout=60_000)
    assert "80 points" in page.locator("[data-testid=map-info]").inner_text()
    nb.kernel("res = em.show_query('stock markets', k=5)")
    # the query's star and the rings around its 5 hits join the 80 dots
    assert wait_for(lambda: page.locator(".vsl-map svg circle").count() >= 85)
    assert page.locator(".vsl-map svg g[aria-label=dot] path").count() >= 1  # the star
    box = svg.bounding_box()
    assert box is not None
    # Drag a box over the whole plot: everything is selected in Python.
    page.mouse.move(box["x"] + 2, box["y"] + 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] - 2, box["y"] + box["height"] - 2, steps=5)
    page.mouse.up()
    assert wait_for(lambda: len(kernel_json(nb, "em.selected_ids")) == 80)
    # Click one dot: exactly that point is selected.
    dot = page.locator(".vsl-map svg g[aria-label=dot] circle").first
    b = dot.bounding_box()
    assert b is not None
    page.mouse.click(b["x"] + b["width"] / 2, b["y"] + b["height"] / 2)
    assert wait_for(lambda: len(kernel_json(nb, "em.selected_ids")) == 1)
    assert kernel_json(nb, "em.highlighted") == kernel_json(nb, "res.ids")
    nb.screenshot("embedding-map")
