"""EmbeddingMap.compare in JupyterLab, read from the page: both maps painted with warm points where
the embedders disagree, hovering a point rings it on both maps, a selection on one is made on
the other and reaches Python, and a row of the moved-most table picks its document. Light and
dark."""

from __future__ import annotations

from typing import Any

import numpy as np
from pixels import background, contrast, ring_contrast, shot

from conftest import ARTIFACTS, kernel_json, set_theme, wait_for

SETUP = """
import tempfile
import vecstore_lab as vl
from vecstore_lab.widgets import EmbeddingMap

topics = ["the moon pulls the tides", "sourdough bread rises", "bond prices fell",
          "a telescope finds stars", "knead the dough", "interest rates rose"]
texts = [f"{topics[i % 6]} and note {i}" for i in range(240)]
root = tempfile.mkdtemp()
a = vl.connect(root, embedder=vl.HashEmbedder(dim=32)).create_collection("words32")
b = vl.connect(root, embedder=vl.HashEmbedder(dim=16)).create_collection("words16")
for c in (a, b):
    c.add(ids=[f"d{i}" for i in range(240)], texts=texts)
cmp = EmbeddingMap.compare(a, b, k=8, height=300)
cmp
"""

PLOTS = "() => document.querySelector('.vsl-mapcmp').__plots"


def _positions(page: Any, which: int, index: int) -> tuple[float, float]:
    return tuple(page.evaluate(f"([w, i]) => ({PLOTS})()[w].getScreenPosition(i)", [which, index]))


def test_two_maps_link_hover_and_selection(open_notebook: Any) -> None:
    nb = open_notebook("compare-maps.ipynb", [SETUP])
    nb.run_all()
    page = nb.page
    root = page.locator(".vsl-mapcmp")
    page.wait_for_selector(".vsl-mapcmp[data-points='240'][data-size]", timeout=90_000)
    page.wait_for_timeout(400)
    assert "words32 vs words16" in root.locator("[data-testid=cmp-info]").inner_text()

    for theme, dark in (("JupyterLab Light", False), ("JupyterLab Dark", True)):
        set_theme(page, theme, settle_ms=600)
        # Both maps are painted, and the points that disagree most stand out from the canvas.
        moved = kernel_json(nb, "cmp.moved.column('index').to_pylist()[:5]")
        for which in (0, 1):
            image = shot(root.locator(f"[data-testid=cmp-canvas-{which}]"))
            bg = background(image)
            assert (bg.sum() < 200) == dark, (theme, bg)
            for i in moved:
                x, y = _positions(page, which, i)
                patch = image[
                    max(0, round(y) - 1) : round(y) + 2, max(0, round(x) - 1) : round(x) + 2
                ]
                best = max(contrast(p, bg) for p in patch.reshape(-1, 3))
                assert best >= 2.5, (theme, which, i, best)
        name = "dark" if dark else "light"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        root.screenshot(path=str(ARTIFACTS / f"map-compare-{name}.png"))

    # Hover a point on the left map: it is ringed on both, and its card names both neighbourhoods.
    target = kernel_json(nb, "cmp.moved.column('index').to_pylist()[0]")
    x, y = _positions(page, 0, target)
    left = root.locator("[data-testid=cmp-canvas-0]").bounding_box()
    page.mouse.move(left["x"] + x, left["y"] + y)
    assert wait_for(lambda: root.get_attribute("data-hovered") == str(target))
    card = root.locator("[data-testid=cmp-card]")
    assert wait_for(lambda: card.is_visible() and "nearest in words16" in card.inner_text())
    page.wait_for_timeout(200)
    for which in (0, 1):
        image = shot(root.locator(f"[data-testid=cmp-map-{which}]"))
        bx, by = _positions(page, which, target)
        ratio = ring_contrast(image, bx + 1, by + 1, 9, background(image))  # (the frame's border)
        assert ratio >= 3, (which, ratio)

    # A box selection on the right map selects the same documents on the left, and in Python.
    picked = [1, 2, 3, 40]
    page.evaluate(f"(p) => ({PLOTS})()[1].select(p)", picked)
    assert wait_for(lambda: kernel_json(nb, "len(cmp.selected_ids)") == 4)
    assert sorted(page.evaluate(f"() => ({PLOTS})()[0].get('selectedPoints')")) == picked
    # A row of the moved-most table picks its document on both maps.
    row = root.locator("[data-testid=moved] tbody tr").nth(2)
    wanted = row.get_attribute("data-id")
    row.click()
    assert wait_for(lambda: kernel_json(nb, "cmp.selected_ids") == [wanted])
    index = int(row.get_attribute("data-index") or -1)
    assert page.evaluate(f"() => ({PLOTS})()[1].get('selectedPoints')") == [index]
    assert np.isfinite(index)
