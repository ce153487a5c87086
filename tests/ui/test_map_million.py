"""EmbeddingMap with a million points, through a real kernel and JupyterLab: the points arrive
over the widget's binary buffer, WebGL draws all of them, and a box selection reaches Python.
(Times are measured by bench/bench_scale.py, not asserted here.)"""

from __future__ import annotations

from typing import Any

import pytest

from conftest import kernel_json, wait_for

MILLION = """
import tempfile
import numpy as np
import vecstore_lab as vl
from vecstore_lab.widgets import EmbeddingMap

n = 1_000_000
rng = np.random.default_rng(0)
centers = rng.normal(size=(12, 32)).astype(np.float32) * 3
group = rng.integers(0, 12, n)
x = rng.standard_normal((n, 32), dtype=np.float32)  # 32 dims: a quick build
x += centers[group]  # (in place, in float32: no temporary of the whole set)
db = vl.connect(tempfile.mkdtemp(), embedding_cache=False)
big = db.create_collection("big", dim=32)
big.add(ids=[f"p{i}" for i in range(n)], vectors=x,
        metadatas=[{"g": f"g{g}"} for g in group.tolist()])
em = EmbeddingMap(big, color_by="g")
em
"""


@pytest.mark.slow
def test_a_million_points_load_draw_and_select(open_notebook: Any) -> None:
    nb = open_notebook("million.ipynb", [MILLION])
    nb.run_all(timeout=600)
    page = nb.page
    root = page.locator(".vsl-map")
    root.wait_for(timeout=300_000)
    assert wait_for(lambda: root.get_attribute("data-points") == "1000000", timeout=300)
    # The map has its final size and view (it fits the output area once attached).
    settled = (
        "(e) => e.dataset.size === `${e.clientWidth - 2}x${e.querySelector('canvas').clientHeight}`"
    )
    assert wait_for(lambda: root.evaluate(settled), timeout=60)
    scatter = "() => document.querySelector('.vsl-map').__scatter"
    assert page.evaluate(f"() => ({scatter})().get('isPointsDrawn')")
    assert page.evaluate(f"() => ({scatter})().get('points').length") == 1_000_000
    assert "1,000,000 points" in page.locator("[data-testid=map-info]").inner_text()
    assert len(page.locator(".vsl-map .vsl-legend-item").all()) == 12

    # A box in the middle of the map: the points it selected in the page are the rows selected
    # in Python (and they are the points inside it, up to the pixel rounding of mouse events).
    box = page.locator(".vsl-map [data-testid=map-overlay]").bounding_box()  # inside the border
    page.click(".vsl-map button[data-mode=box]")
    x0, y0 = box["x"] + box["width"] * 0.45, box["y"] + box["height"] * 0.45
    x1, y1 = box["x"] + box["width"] * 0.55, box["y"] + box["height"] * 0.55

    def data_box(grow: float) -> list[float]:
        """The box in map coordinates, grown (or shrunk) by ``grow`` pixels on each side."""
        return list(
            page.evaluate(
                f"""([a, b, c, d]) => {{
                  const s = ({scatter})();
                  return [s.get('xScale').invert(a), s.get('xScale').invert(b),
                          s.get('yScale').invert(d), s.get('yScale').invert(c)];
                }}""",
                [
                    x0 - box["x"] - grow,
                    x1 - box["x"] + grow,
                    y0 - box["y"] - grow,
                    y1 - box["y"] + grow,
                ],
            )
        )

    inner, outer = data_box(-1.5), data_box(1.5)
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(x1, y1, steps=4)
    page.mouse.up()
    nb.kernel("px, py = (em.points.column(c).to_numpy().astype('float64') for c in ('x', 'y'))")

    def inside(edges: list[float]) -> int:
        lo_x, hi_x, lo_y, hi_y = edges
        return int(
            kernel_json(
                nb,
                f"int(((px >= {lo_x}) & (px <= {hi_x}) & (py >= {lo_y}) & (py <= {hi_y})).sum())",
            )
        )

    fewest, most = inside(inner), inside(outer)
    assert fewest > 0
    in_js = f"() => Array.from(({scatter})().get('selectedPoints')).sort((a, b) => a - b)"
    assert wait_for(lambda: len(page.evaluate(in_js)) > 0, timeout=60)
    selected = page.evaluate(in_js)
    # The points inside the box, up to the pixel rounding of mouse events (1.5 px a side).
    assert fewest <= len(selected) <= most, (fewest, len(selected), most)
    in_python = "sorted(em.index_of(em.selected_ids))"
    assert wait_for(lambda: kernel_json(nb, in_python) == selected, timeout=60)
    nb.screenshot("embedding-map-million")
