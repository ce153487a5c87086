"""EmbeddingMap's cluster labels in JupyterLab: the coarse labels drawn inside the map without
overlapping, a click on one selects exactly its cluster in Python, and zooming in shows the
finer level."""

from __future__ import annotations

from typing import Any

from conftest import kernel_json, wait_for

SETUP = """
import tempfile
import numpy as np
import vecstore_lab as vl
from vecstore_lab.widgets import EmbeddingMap

topics = {"tides": ["the moon pulls the tides", "high tide and low tide", "ocean tides rise"],
          "bread": ["sourdough bread needs a starter", "bake the loaf in the oven", "yeast dough"],
          "stocks": ["stock markets fell", "investors sold shares", "bond prices rose"]}
centres = {"tides": [5, 0], "bread": [-5, 0], "stocks": [0, 6]}
rng = np.random.default_rng(0)
docs = vl.connect(tempfile.mkdtemp(), embedder=vl.HashEmbedder(dim=32)).create_collection("d")
names = [list(topics)[i % 3] for i in range(90)]
vectors = np.zeros((90, 32), np.float32)
for i, t in enumerate(names):
    vectors[i, :2] = centres[t]
vectors += rng.normal(0, 0.3, vectors.shape).astype(np.float32)
docs.add(ids=[f"{t}{i}" for i, t in enumerate(names)],
         texts=[f"{topics[t][i % 3]} {i}" for i, t in enumerate(names)], vectors=vectors)
em = EmbeddingMap(docs)
em
"""

SCATTER = "() => document.querySelector('.vsl-map').__scatter"


def test_labels_are_drawn_select_their_cluster_and_refine_on_zoom(open_notebook: Any) -> None:
    nb = open_notebook("labels.ipynb", [SETUP])
    nb.run_all()
    page = nb.page
    root = page.locator(".vsl-map")
    page.wait_for_selector(".vsl-map[data-points='90'] [data-testid=map-label]", timeout=90_000)
    assert root.get_attribute("data-label-level") == "0"
    coarse = kernel_json(nb, "[r for r in em.cluster_labels if r['level'] == 0]")
    buttons = root.locator("[data-testid=map-label]")
    shown = buttons.all_inner_texts()
    assert shown and set(shown) <= {r["label"] for r in coarse}
    frame = root.locator("[data-testid=map]").bounding_box()
    boxes = [buttons.nth(i).bounding_box() for i in range(buttons.count())]
    for b in boxes:  # inside the map, not clipped
        assert frame["x"] <= b["x"] and b["x"] + b["width"] <= frame["x"] + frame["width"] + 0.5
        assert frame["y"] <= b["y"] and b["y"] + b["height"] <= frame["y"] + frame["height"] + 0.5
    for i, a in enumerate(boxes):  # and none on top of another
        for b in boxes[i + 1 :]:
            apart = (
                a["x"] + a["width"] <= b["x"]
                or b["x"] + b["width"] <= a["x"]
                or a["y"] + a["height"] <= b["y"]
                or b["y"] + b["height"] <= a["y"]
            )
            assert apart, (a, b)

    # A click on a label selects exactly its cluster, in Python too.
    first = buttons.first
    cluster = int(first.get_attribute("data-cluster") or -1)
    members = kernel_json(
        nb,
        f"sorted(em._ids().take(np.flatnonzero("
        f"em.points.column('cluster_0').to_numpy() == {cluster})).to_pylist())",
    )
    first.click()
    assert wait_for(lambda: sorted(kernel_json(nb, "em.selected_ids")) == members)
    assert members and len({m.rstrip("0123456789") for m in members}) == 1  # one topic

    # Zoomed in past half the map (around a fine cluster's centre), the finer labels show.
    fine = [r for r in kernel_json(nb, "em.cluster_labels") if r["level"] == 1]
    centre = max(fine, key=lambda r: r["size"])
    page.evaluate(
        f"([x, y]) => ({SCATTER})().zoomToArea("
        "{x: x - 0.4, y: y - 0.4, width: 0.8, height: 0.8}, {transition: false})",
        [centre["x"], centre["y"]],
    )
    assert wait_for(lambda: root.get_attribute("data-label-level") == "1")
    names = {r["label"] for r in fine}
    assert wait_for(lambda: buttons.count() > 0 and set(buttons.all_inner_texts()) <= names)
    nb.screenshot("map-labels")
