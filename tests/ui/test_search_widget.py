"""SearchWidget in JupyterLab: type, search, read the breakdown, select, see errors inline."""

from __future__ import annotations

from typing import Any

from conftest import Notebook, kernel_json, wait_for

XSS = '<img src=x onerror="window.__xss=1"> <script>window.__xss=2</script> a cat toy'

SETUP = f"""
import tempfile
import vecstore_lab as vl
from vecstore_lab.widgets import SearchWidget

db = vl.connect(tempfile.mkdtemp(), embedder=vl.HashEmbedder(dim=64))
docs = db.create_collection("docs")
docs.add(
    ids=["cat", "dog", "kitten", "market", "xss"],
    texts=["the cat sat on the mat", "a dog chased the cat in the garden",
           "a small cat called a kitten", "stock market news", {XSS!r}],
    metadatas=[{{"topic": "pets"}}, {{"topic": "pets"}}, {{"topic": "pets"}},
               {{"topic": "finance"}}, {{"topic": "<b>bold</b>"}}],
)
w = SearchWidget(docs, k=5)
w
"""


def hit_ids(nb: Notebook) -> list[str]:
    ids: list[str] = nb.page.eval_on_selector_all(
        "[data-testid=hit]", "els => els.map((e) => e.dataset.id)"
    )
    return ids


def test_search_breakdown_select_and_errors(open_notebook: Any) -> None:
    nb = open_notebook("search.ipynb", [SETUP])
    dialogs: list[str] = []
    nb.page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    nb.run_all()
    page = nb.page
    page.wait_for_selector(".vsl-search [data-testid=query]", timeout=60_000)

    # Type a query, pick hybrid mode, search: the page shows what Collection.query returns.
    page.fill("[data-testid=query]", "the cats")
    page.select_option("[data-testid=mode]", "hybrid")
    page.click("[data-testid=search]")
    page.wait_for_selector("[data-testid=hit]", timeout=90_000)  # first search: slow under load
    expected = kernel_json(nb, 'docs.query("the cats", k=5, mode="hybrid").ids')
    assert wait_for(lambda: hit_ids(nb) == expected), (hit_ids(nb), expected)
    assert kernel_json(nb, "[w.query, w.mode, w.k]") == ["the cats", "hybrid", 5]
    first = page.locator("[data-testid=hit]").first
    assert first.locator("mark").count() >= 1  # query terms highlighted
    # Whole words whose index term is the query's ("cats" -> "cat"); never the stop word "the".
    marked = {m.lower() for m in page.locator("[data-testid=hit] mark").all_inner_texts()}
    assert marked == {"cat"}, marked
    bars = first.locator("[data-testid=breakdown] .vsl-bar")
    assert bars.count() >= 2  # vector, bm25 and fused scores
    assert "hits in" in page.locator("[data-testid=status]").inner_text()

    # Document text and metadata are shown as text, never run as HTML.
    xss = page.locator('[data-testid=hit][data-id="xss"]')
    assert xss.count() == 1
    assert '<img src=x onerror="window.__xss=1">' in xss.inner_text()
    assert "<b>bold</b>" in xss.inner_text()
    assert page.locator(".vsl-search img, .vsl-search script, .vsl-search b").count() == 0
    assert page.evaluate("() => window.__xss") is None and not dialogs

    # Selecting a hit reaches Python.
    page.locator("[data-testid=hit]").nth(1).click()
    assert wait_for(lambda: kernel_json(nb, "(w.selected or {}).get('id')") == expected[1])
    assert kernel_json(nb, "w.selected['_rank']") == 2

    # Rerank with MMR: rank movement is drawn.
    page.select_option("[data-testid=rerank]", "mmr")
    page.click("[data-testid=search]")
    assert wait_for(lambda: kernel_json(nb, "w.rerank") == "mmr")
    page.wait_for_selector("[data-testid=breakdown] >> text=rerank")

    # A bad filter is an inline message, not a traceback.
    page.fill("[data-testid=filter]", "topik = 'pets'")
    page.click("[data-testid=search]")
    error = page.locator("[data-testid=error]")
    assert wait_for(lambda: "unknown field 'topik'" in error.inner_text())
    assert "did you mean 'topic'" in error.inner_text()
    assert page.locator(".jp-OutputArea-output[data-mime-type*=stderr]").count() == 0
    assert kernel_json(nb, "w.error").startswith("unknown field 'topik'")

    # A dict filter typed as JSON works, and Python-driven searches update the page.
    page.fill("[data-testid=filter]", '{"topic": "finance"}')
    page.select_option("[data-testid=rerank]", "")
    page.click("[data-testid=search]")
    assert wait_for(lambda: hit_ids(nb) == ["market"])
    nb.kernel('w.search("garden dog", mode="text", where="")')
    assert wait_for(lambda: hit_ids(nb)[:1] == ["dog"])
    assert page.input_value("[data-testid=mode]") == "text"  # Python's settings show
    assert page.input_value("[data-testid=filter]") == ""
    nb.screenshot("search-widget")
