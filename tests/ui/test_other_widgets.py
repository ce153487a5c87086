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
    assert wait_for(lambda: first.get_attribute("data-id") == f"r{expected:05d}")
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

    # The filter box: Enter filters in Python, keeping the sort; the count follows.
    box = page.locator(".vsl-browser [data-testid=filter]")
    box.fill("group = 'g1' and rating < 500")
    box.press("Enter")
    want = kernel_json(nb, "sum(1 for i in range(1234) if i % 3 == 1 and (i * 37) % 1000 < 500)")
    assert wait_for(lambda: info.inner_text().endswith(f"· {want} rows"))
    top_rating = kernel_json(
        nb, "max((i * 37) % 1000 for i in range(1234) if i % 3 == 1 and (i * 37) % 1000 < 500)"
    )
    assert wait_for(lambda: top.inner_text() == str(top_rating))
    assert kernel_json(nb, "cb.where") == "group = 'g1' and rating < 500"
    # A bad filter shows its error; the rows on screen stay.
    box.fill("nope = 1")
    box.press("Enter")
    error = page.locator(".vsl-browser [data-testid=error]")
    assert wait_for(lambda: error.is_visible() and "nope" in error.inner_text())
    assert info.inner_text().endswith(f"· {want} rows")
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
docs.add(ids=["evil"], texts=['<img src=x onerror="window.__xss=1"> <b>bold</b> cats'],
         metadatas=[{"topic": "cats"}])
em = EmbeddingMap(docs, color_by="topic")
em
"""

SCATTER = "() => document.querySelector('.vsl-map').__scatter"


def _point_on_page(page: Any, index: int) -> tuple[float, float]:
    """Where point ``index`` is drawn, in page coordinates."""
    x, y = page.evaluate(f"(i) => ({SCATTER})().getScreenPosition(i)", index)
    box = page.locator(".vsl-map [data-testid=map]").bounding_box()
    return box["x"] + x, box["y"] + y


def _most_isolated(page: Any, candidates: list[int]) -> int:
    """The one of ``candidates`` whose nearest other point is farthest away on screen."""
    xy = page.evaluate(
        f"() => {{ const s = ({SCATTER})(); const n = s.get('points').length;"
        " return Array.from({length: n}, (_, i) => s.getScreenPosition(i)); }"
    )

    def room(i: int) -> float:
        return min(
            (xy[i][0] - p[0]) ** 2 + (xy[i][1] - p[1]) ** 2 for j, p in enumerate(xy) if j != i
        )

    return max(candidates, key=room)


def test_embedding_map_webgl_hover_lasso_box_legend_and_query(open_notebook: Any) -> None:
    nb = open_notebook("map.ipynb", [MAP])
    nb.run_all()
    page = nb.page
    assert page.evaluate("() => !!document.createElement('canvas').getContext('webgl2')")
    page.wait_for_selector(".vsl-map[data-points='81']", timeout=60_000)
    assert "81 points" in page.locator("[data-testid=map-info]").inner_text()
    assert page.evaluate(f"() => ({SCATTER})().get('isPointsDrawn')")

    # The query's star and a ring on each of its 5 hits, drawn on the overlay.
    nb.kernel("res = em.show_query('stock markets', k=5)")
    assert wait_for(lambda: page.locator(".vsl-map").get_attribute("data-rings") == "5")
    sx, sy = map(int, (page.locator(".vsl-map").get_attribute("data-star") or "").split(","))
    alpha = page.evaluate(
        """([x, y]) => {
          const c = document.querySelector('.vsl-map [data-testid=map-overlay]');
          const d = window.devicePixelRatio || 1;
          const px = c.getContext('2d').getImageData(Math.round(x * d), Math.round(y * d), 1, 1);
          return px.data[3];
        }""",
        [sx, sy],
    )
    assert alpha > 0  # the star is painted where Python placed the query

    # Hover: the card shows the row's text and metadata, as text.
    evil = kernel_json(nb, "em.index_of(['evil'])[0]")
    page.mouse.move(*_point_on_page(page, evil))
    card = page.locator(".vsl-map [data-testid=map-card]")
    assert wait_for(lambda: card.is_visible() and "evil" in card.inner_text())
    assert '<img src=x onerror="window.__xss=1">' in card.inner_text()
    assert card.locator("img, b").count() == 0
    assert page.evaluate("() => window.__xss") is None

    # A click on a hit selects it and pins its card, with its score breakdown. The hits of
    # one topic can lie on top of each other: the click goes to the hit farthest from any
    # other point, and Python must hold exactly the point the page picked.
    # A click is a user's: on a loaded machine the page may take it for the start of a long
    # press (the lasso) or land while the view still settles, and the user clicks again.
    hits = kernel_json(nb, "em.highlighted_index")
    target = _most_isolated(page, hits)
    selected = f"() => Array.from(({SCATTER})().get('selectedPoints'))"
    picked = None
    drawn = f"() => ({SCATTER})().get('isPointsDrawn')"
    for _ in range(5):
        page.evaluate(f"() => ({SCATTER})().deselect()")
        wait_for(lambda: page.evaluate(drawn), timeout=10)  # a click while drawing is dropped
        page.mouse.move(*_point_on_page(page, target))
        page.mouse.click(*_point_on_page(page, target))
        wait_for(lambda: len(page.evaluate(selected)) == 1, timeout=10)
        now = page.evaluate(selected)
        if len(now) == 1 and now[0] in hits:
            picked = now[0]
            break
    assert picked is not None, (page.evaluate(selected), hits, target)
    position = kernel_json(nb, f"em.index_of(list(res.ids)).index({picked})")
    picked_id, rank = kernel_json(nb, f"res.ids[{position}]"), position + 1
    assert wait_for(lambda: kernel_json(nb, "em.selected_ids") == [picked_id])
    assert wait_for(lambda: page.locator("[data-testid=map-breakdown]").is_visible())
    assert f"#{rank} {picked_id}" in card.inner_text() and "score" in card.inner_text()

    # Lasso around the whole plot: every point is selected in Python.
    box = page.locator(".vsl-map [data-testid=map]").bounding_box()
    page.click(".vsl-map button[data-mode=lasso]")
    left, top = box["x"] + 3, box["y"] + 3
    right, bottom = box["x"] + box["width"] - 3, box["y"] + box["height"] - 3
    page.mouse.move(left, top)
    page.mouse.down()
    for x, y in [(right, top), (right, bottom), (left, bottom), (left, top + 4)]:
        page.mouse.move(x, y, steps=12)
        page.wait_for_timeout(30)
    page.mouse.up()
    assert wait_for(lambda: len(kernel_json(nb, "em.selected_ids")) == 81)
    assert "81 selected" in page.locator("[data-testid=map-info]").inner_text()

    # A box over the left half selects exactly the points left of its edge.
    page.click(".vsl-map button[data-mode=box]")
    mid = box["width"] / 2
    edge = page.evaluate(f"(m) => ({SCATTER})().get('xScale').invert(m)", mid)
    page.mouse.move(box["x"] + 4, box["y"] + 4)
    page.mouse.down()
    page.mouse.move(box["x"] + mid, box["y"] + box["height"] - 4, steps=6)
    page.mouse.up()
    want = kernel_json(
        nb,
        f"sorted(i for i, x in enumerate(em.points.column('x').to_pylist()) if x <= {edge})",
    )
    assert 0 < len(want) < 81
    assert wait_for(lambda: sorted(kernel_json(nb, "em.index_of(em.selected_ids)")) == want)

    # The legend filters a category out of the plot, and back in.
    cats = kernel_json(nb, "em.legend['labels'].index('cats')")
    n_cats = kernel_json(
        nb, "em.points.column('color').to_pylist().count(em.legend['labels'].index('cats'))"
    )
    page.click(f".vsl-map .vsl-legend-item[data-code='{cats}']")
    filtered = f"() => ({SCATTER})().get('filteredPoints').length"
    assert wait_for(lambda: page.evaluate(filtered) == 81 - n_cats)
    page.click(f".vsl-map .vsl-legend-item[data-code='{cats}']")
    assert wait_for(lambda: not page.evaluate(f"() => ({SCATTER})().get('isPointsFiltered')"))
    nb.screenshot("embedding-map")
