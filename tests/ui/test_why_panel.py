""" "why?" on a hit in JupyterLab: the terms' parts of the BM25 score (the same numbers as
Python's), the nearest sentence, the words in the hit weighed, and ColBERT's alignment:
hovering a query token lights up the token of the hit it matched."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import kernel_json, wait_for

SETUP = """
import vecstore_lab as vl
from vecstore_lab.widgets import SearchWidget

db = vl.connect({path!r}, embedder=vl.SentenceTransformerEmbedder())
docs = db.create_collection("docs")
docs.add(ids=["kitten", "stocks", "bread", "rug"],
         texts=["A small kitten sleeps on a rug. It wakes at noon.",
                "Stock markets fell sharply. Bonds rose.",
                "Sourdough bread needs a starter.",
                "A rug for the kitten: wool, red. The kitten sleeps there."])
w = SearchWidget(docs, k=3, query="kitten sleeps on a rug", mode="hybrid", rerank="colbert")
w
"""


def test_why_shows_terms_sentences_and_linked_tokens(open_notebook: Any, tmp_path: Path) -> None:
    nb = open_notebook("why.ipynb", [SETUP.format(path=str(tmp_path / "db"))])
    nb.run_all()
    page = nb.page
    root = page.locator(".vsl-search")
    root.locator("[data-testid=why]").first.wait_for(timeout=90_000)
    first = kernel_json(nb, "w.last_results.ids[0]")
    card = root.locator(f'.vsl-hit[data-id="{first}"]')
    card.locator("[data-testid=why]").click()
    panel = card.locator("[data-testid=why-panel]")
    panel.wait_for(timeout=60_000)

    # The bm25 chips: Python's numbers, largest first, and they add up to the hit's BM25 score.
    terms = kernel_json(
        nb,
        f"[(r['term'], round(r['contribution'], 2)) for r in "
        f"sorted(w.why({first!r}).terms.to_pylist(), key=lambda r: -r['contribution']) "
        f"if r['contribution'] > 0]",
    )
    chips = panel.locator("[data-testid=why-terms] .vsl-why-term").all_inner_texts()
    assert [c.split()[:2] for c in chips] == [[t, f"{v:.2f}"] for t, v in terms]
    # The hit's marked words carry their weight (a title and a stronger background).
    weighed = card.locator(".vsl-text mark.weighed")
    assert weighed.count() > 0 and "of the BM25 score" in (
        weighed.first.get_attribute("title") or ""
    )
    nearest = panel.locator("[data-testid=why-sentences] .vsl-why-sentence").first.inner_text()
    best = kernel_json(nb, f"w.why({first!r}).sentences.to_pylist()[0]['sentence']")
    assert nearest.startswith(f"“{best}”")

    # ColBERT: hover "rug" (a query token) and its token in the hit lights up, painted.
    tokens = kernel_json(nb, f"w.why({first!r}).tokens.to_pylist()")
    index = next(i for i, t in enumerate(tokens) if t["query_token"] == "rug")
    query_token = panel.locator(f'.vsl-why-qtok[data-q="{index}"]')
    before = panel.locator(".vsl-why-dtok.lit").count()
    query_token.hover()
    lit = panel.locator(".vsl-why-dtok.lit")
    assert before == 0 and wait_for(lambda: lit.count() >= 1)
    assert lit.first.inner_text() == tokens[index]["doc_token"]
    colours = lit.first.evaluate(
        "e => [getComputedStyle(e).backgroundColor,"
        " getComputedStyle(e.closest('.vsl-hit')).backgroundColor]"
    )
    assert colours[0] != colours[1]  # the lit token stands out from its card
    page.mouse.move(0, 0)
    assert wait_for(lambda: panel.locator(".vsl-why-dtok.lit").count() == 0)
    # A second click closes the panel; "why?" did not select the hit.
    card.locator("[data-testid=why]").click()
    assert wait_for(lambda: card.locator("[data-testid=why-panel]").count() == 0)
    assert kernel_json(nb, "w.selected") is None
    nb.screenshot("why")
