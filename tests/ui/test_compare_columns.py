"""SearchWidget compare mode in JupyterLab: one line for each id both sides found, drawn from
that hit's card on the left to its card on the right (the ranks on each side right), new and
dropped hits marked, and grading from either column."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import kernel_json, wait_for

SETUP = """
import vecstore_lab as vl
from vecstore_lab.widgets import SearchWidget

db = vl.connect({path!r}, embedder=vl.HashEmbedder(dim=64))
docs = db.create_collection("docs")
texts = ["the cat sat on the mat", "a cat chased a dog", "dogs bark at night",
         "the mat was red", "stock market news", "cats and dogs", "a red mat for the cat",
         "market prices fell", "a cat naps on a warm mat", "mats and rugs for sale"]
docs.add(ids=[f"h{{i}}" for i in range(len(texts))], texts=texts)
j = vl.Judgements(docs, judge="ana")
w = SearchWidget(docs, k=6, judgements=j, query="cat on the mat",
                 compare={{"vector": {{"mode": "vector"}}, "full text": {{"mode": "text"}}}})
w
"""

GEOMETRY = """(root) => {
  const svg = root.querySelector("svg.vsl-links").getBoundingClientRect();
  const side = (s, id) => root.querySelector(`.vsl-col[data-side="${s}"] .vsl-hit[data-id="${id}"]`)
    .getBoundingClientRect();
  return Array.from(root.querySelectorAll("path.vsl-link")).map((p) => {
    const len = p.getTotalLength();
    const start = p.getPointAtLength(0), end = p.getPointAtLength(len);
    const a = side("a", p.dataset.id), b = side("b", p.dataset.id);
    return { id: p.dataset.id, from: +p.dataset.from, to: +p.dataset.to,
      startY: svg.top + start.y, endY: svg.top + end.y, startX: svg.left + start.x,
      endX: svg.left + end.x, a: [a.top, a.bottom, a.right], b: [b.top, b.bottom, b.left],
      stroke: getComputedStyle(p).stroke };
  });
}"""


def test_lines_join_the_same_ids_at_their_ranks(open_notebook: Any, tmp_path: Path) -> None:
    nb = open_notebook("compare.ipynb", [SETUP.format(path=str(tmp_path / "db"))])
    nb.run_all()
    page = nb.page
    root = page.locator(".vsl-search")
    root.locator("path.vsl-link").first.wait_for(state="attached", timeout=90_000)
    a = kernel_json(nb, "w.compared_results[0].ids")
    b = kernel_json(nb, "w.compared_results[1].ids")
    shared = [i for i in a if i in b]
    assert shared and len(shared) < len(set(a) | set(b))  # the test needs both kinds
    lines = root.evaluate(GEOMETRY)
    assert sorted(x["id"] for x in lines) == sorted(shared)  # one line per shared id
    for x in lines:
        assert (x["from"], x["to"]) == (a.index(x["id"]) + 1, b.index(x["id"]) + 1)
        # Painted from the left card's right edge to the right card's left edge, each end
        # inside its own card's height.
        assert x["a"][0] <= x["startY"] <= x["a"][1] and x["b"][0] <= x["endY"] <= x["b"][1]
        assert abs(x["startX"] - x["a"][2]) < 12 and abs(x["endX"] - x["b"][2]) < 12
        assert x["stroke"] not in ("none", "rgba(0, 0, 0, 0)")
    names = root.locator("[data-testid=side-name]").all_inner_texts()
    assert names == ["vector", "full text"]
    dropped = root.locator("[data-testid=side-a] [data-testid=dropped]").count()
    added = root.locator("[data-testid=side-b] [data-testid=new]").count()
    assert (dropped, added) == (len(set(a) - set(b)), len(set(b) - set(a)))
    status = root.locator("[data-testid=status]").inner_text()
    assert status.startswith(f"overlap@6 {len(shared) / 6:.2f} · RBO ")
    assert status.endswith("nDCG: no judgements for this query")

    # Grading from the right column: l moves there, 3 grades its first hit; nDCG appears.
    page.locator(".vsl-search [data-testid=hits]").focus()
    page.keyboard.press("j")
    page.keyboard.press("l")
    assert wait_for(lambda: root.get_attribute("data-focused") == b[0])
    page.keyboard.press("3")
    assert wait_for(lambda: kernel_json(nb, f"j.get('cat on the mat', {b[0]!r})") == 3)
    assert wait_for(lambda: "nDCG@6 vector " in root.locator("[data-testid=status]").inner_text())
    nb.screenshot("compare")
