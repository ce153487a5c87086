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
    # The first search is slow under load; an error shown instead of hits fails at once,
    # with its text.
    page.wait_for_selector(
        "[data-testid=hit], .vsl-search [data-testid=error]:visible", timeout=90_000
    )
    shown = page.locator(".vsl-search [data-testid=error]")
    assert not shown.is_visible() or not shown.inner_text().strip(), shown.inner_text()
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


LIVE = """
import tempfile, time
import vecstore_lab as vl
from vecstore_lab.widgets import SearchWidget

db = vl.connect(tempfile.mkdtemp(), embedder=vl.HashEmbedder(dim=64))
docs = db.create_collection("docs")
topics = ['cats', 'markets', 'bread', 'planets']
docs.add(ids=[f"d{i}" for i in range(300)],
         texts=[f"note {i} on {topics[i % 4]}" for i in range(300)])
live = SearchWidget(docs, k=5, live=True)
_search = live.collection.search
def slow(spec):  # each search takes 0.3 s, so keystrokes pile up behind it
    time.sleep(0.3)
    return _search(spec)
live.collection.search = slow
live
"""


def test_live_mode_searches_as_you_type_and_the_latest_query_wins(open_notebook: Any) -> None:
    nb = open_notebook("live.ipynb", [LIVE])
    nb.run_all()
    page = nb.page
    box = page.locator(".vsl-search [data-testid=query]")
    box.wait_for(timeout=60_000)
    assert page.locator(".vsl-search [data-testid=live]").is_checked()
    # No Enter, no button: typing searches. 16 keystrokes, 80 ms apart, while each search
    # takes 300 ms: the queries typed while one runs are dropped, the last one is searched.
    box.press_sequentially("markets note 13", delay=80)
    expected = kernel_json(nb, "docs.query('markets note 13', k=5).ids")
    assert wait_for(lambda: hit_ids(nb) == expected, timeout=30)
    assert kernel_json(nb, "live.query") == "markets note 13"
    runs = kernel_json(nb, "live.searches")
    assert 1 <= runs < len("markets note 13"), runs
    # Live mode off: typing alone no longer searches.
    page.click(".vsl-search [data-testid=live]")
    assert wait_for(lambda: kernel_json(nb, "live.live") is False)
    box.press_sequentially(" more", delay=30)
    page.wait_for_timeout(800)
    assert kernel_json(nb, "live.searches") == runs
