"""Pixel-level acceptance of the EmbeddingMap: what is painted on the canvas, read from
screenshots, in JupyterLab's light and dark themes and in Notebook 7. The theme is set before
the cells run, so the first render (before JupyterLab attaches the view to the page) is the one
measured, as a user sees it."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from pixels import background, contrast, luminance, ring_contrast, shot

from conftest import ARTIFACTS, kernel_json, wait_for

MAPS = """
import tempfile
import vecstore_lab as vl
from vecstore_lab.widgets import EmbeddingMap

db = vl.connect(tempfile.mkdtemp(), embedder=vl.HashEmbedder(dim=32))
docs = db.create_collection("docs")
topics = ["cats and kittens", "stock markets", "bread baking", "planets and stars"]
n = 1200
docs.add(ids=[f"d{i}" for i in range(n)],
         texts=[f"{topics[i % 4]} note {i}" for i in range(n)],
         metadatas=[{"topic": topics[i % 4].split()[0], "weight": (i * 37) % 1000}
                    for i in range(n)])
em = EmbeddingMap(docs, color_by="topic")
res = em.show_query("stock markets", k=5)
display(em)
byweight = EmbeddingMap(docs, color_by="weight", density=False)
display(byweight)
"""

SCATTER = "(i) => document.querySelectorAll('.vsl-map')[i].__scatter"
THEMES = {
    "lab-light": ("JupyterLab Light", False),
    "lab-dark": ("JupyterLab Dark", False),
    "notebook7": ("JupyterLab Light", True),
}


def _set_theme(page: Any, theme: str) -> None:
    page.evaluate(
        "(theme) => window.jupyterapp.commands.execute('apputils:change-theme', {theme})", theme
    )
    light = "false" if theme.endswith("Dark") else "true"
    assert wait_for(lambda: page.evaluate("() => document.body.dataset.jpThemeLight") == light)
    page.wait_for_timeout(300)


def _positions(page: Any, which: int, indices: list[int]) -> list[tuple[float, float]]:
    return [
        tuple(page.evaluate(f"([w, i]) => ({SCATTER})(w).getScreenPosition(i)", [which, i]))
        for i in indices
    ]


@pytest.mark.parametrize("where", list(THEMES))
def test_map_paints_rings_star_and_numeric_colours_that_show(
    open_notebook: Any, where: str
) -> None:
    theme, notebook7 = THEMES[where]
    nb = open_notebook(f"painted-{where}.ipynb", [MAPS], notebook7=notebook7)
    page = nb.page
    _set_theme(page, theme)
    nb.run_all()
    page.wait_for_selector(".vsl-map[data-points='1200'] >> nth=1", timeout=90_000)
    maps = page.locator(".vsl-map")
    assert wait_for(lambda: maps.nth(0).get_attribute("data-rings") == "5")
    page.wait_for_timeout(300)  # the frame after the last draw
    dark = theme.endswith("Dark")

    # The canvas takes the theme's background, and the map fills the output area's width.
    canvas = maps.nth(0).locator("[data-testid=map-canvas]")
    image = shot(canvas)
    bg = background(image)
    assert (luminance(bg) < 0.2) == dark, bg
    area = maps.nth(0).evaluate("(e) => e.clientWidth")
    assert image.shape[1] >= area - 4 and abs(image.shape[0] - 480) <= 1, (image.shape, area)

    # Each ring around a hit stands out from the background (WCAG graphics: 3:1).
    hits = kernel_json(nb, "em.highlighted_index")
    assert len(hits) == 5
    for (x, y), i in zip(_positions(page, 0, hits), hits, strict=True):
        ratio = ring_contrast(image, x, y, 8, bg)
        assert ratio >= 3, f"ring around point {i} at ({x:.0f}, {y:.0f}): {ratio:.2f} < 3"
    # ... and so does the query's star.
    sx, sy = map(int, (maps.nth(0).get_attribute("data-star") or "").split(","))
    assert contrast(image[sy, sx], bg) >= 3, image[sy, sx]

    # Numbers are painted along the colour scale: many colours, dark for low values and
    # bright for high ones (viridis' luminance rises with the value). Read at the centres of
    # points that no other point covers.
    numeric = shot(maps.nth(1).locator("[data-testid=map-canvas]"))
    weights = np.array(kernel_json(nb, "byweight._column('weight').to_pylist()"), dtype=float)
    xy = np.array(
        page.evaluate(
            f"() => {{ const s = ({SCATTER})(1); const n = s.get('points').length;"
            " return Array.from({length: n}, (_, i) => s.getScreenPosition(i)); }"
        )
    )
    gaps = np.linalg.norm(xy[:, None, :] - xy[None, :, :], axis=-1)
    np.fill_diagonal(gaps, np.inf)
    h, w = numeric.shape[:2]
    alone = [
        i
        for i in np.flatnonzero(gaps.min(axis=1) > 7)
        if 0 <= xy[i, 0] < w - 1 and 0 <= xy[i, 1] < h - 1
    ]
    assert len(alone) >= 20, len(alone)
    painted = np.array([numeric[round(xy[i, 1]), round(xy[i, 0])] for i in alone])
    distinct = {tuple(c // 16) for c in painted}
    assert len(distinct) >= 8, f"{len(distinct)} colours for weights 0..999"
    lum = np.array([luminance(c) for c in painted])
    follows = np.corrcoef(weights[alone], lum)[0, 1]
    assert follows > 0.8, f"painted colour does not follow the value (r = {follows:.2f})"

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    maps.nth(0).screenshot(path=str(ARTIFACTS / f"map-rings-{where}.png"))
    maps.nth(1).screenshot(path=str(ARTIFACTS / f"map-numeric-{where}.png"))
