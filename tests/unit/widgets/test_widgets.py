"""Widget model logic and message handlers, without a browser."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from helpers import ROOT, widget_bundles

import vecstore_lab as vl
from vecstore_lab.errors import BundleNotBuiltError, InvalidFilterError
from vecstore_lab.widgets import SearchWidget
from vecstore_lab.widgets.search import parse_where


def decode(widget: Any, name: str) -> pa.Table:
    """What the front end receives for a table trait (Arrow IPC bytes in the synced state),
    decoded again; it must equal the table Python holds."""
    held = getattr(widget, name)
    assert isinstance(held, pa.Table)
    data = widget.get_state(name)[name]
    assert isinstance(data, bytes)
    sent = pa.ipc.open_stream(data).read_all()
    assert sent.equals(held)
    return sent


class Sent:
    """Captures what a widget sends to the front end."""

    def __init__(self, widget: Any) -> None:
        self.messages: list[tuple[dict[str, Any], list[Any]]] = []
        widget.send = lambda content, buffers=None: self.messages.append((content, buffers or []))


def request(widget: Any, method: str, **params: Any) -> dict[str, Any]:
    sent = Sent(widget)
    widget._on_custom_msg(
        widget, {"type": "request", "id": "r1", "method": method, "params": params}, []
    )
    ((reply, _),) = sent.messages
    assert reply["type"] == "response" and reply["id"] == "r1"
    return reply


def test_search_widget_runs_collection_queries(docs: vl.Collection) -> None:
    w = SearchWidget(docs, k=3)
    res = w.search("the cat sat on the mat", mode="hybrid")
    table = decode(w, "results")
    assert (
        table.column("id").to_pylist()
        == res.ids
        == docs.query("the cat sat on the mat", k=3, mode="hybrid").ids
    )
    assert "vector" not in table.column_names and "_fused_score" in table.column_names
    assert w.status.startswith("3 hits in") and w.error == ""
    # Marked words: whole words of the hits whose index term is a query term, no stop words.
    words = {x.lower() for h in res for x in re.findall(r"\w+", h.text)}
    assert set(w.marks) <= words and "cat" in w.marks
    assert not {"the", "on"} & set(w.marks)
    assert repr(w) == (
        "SearchWidget(collection='docs', query='the cat sat on the mat', mode='hybrid', hits=3)"
    )


def test_filters_both_syntaxes_and_errors_inline(docs: vl.Collection) -> None:
    w = SearchWidget(docs, k=5)
    assert set(w.search("cat", where='{"topic": "finance"}').ids) == {"stocks", "bonds"}
    assert set(w.search("cat", where="year >= 2022").ids) == {"stocks", "bread"}
    with pytest.raises(InvalidFilterError):
        w.search("cat", where="topik = 'x'")
    assert "unknown field 'topik'" in w.error
    assert parse_where("  ") is None and parse_where('{"a": 1}') == {"a": 1}
    with pytest.raises(InvalidFilterError, match="not valid JSON"):
        parse_where("{oops")


def test_request_handler_replies_ok_or_error(docs: vl.Collection) -> None:
    w = SearchWidget(docs, query="cat", k=2)
    reply = request(w, "search")
    assert reply["ok"] and reply["hits"] == 2
    w.where = "nope = 1"
    reply = request(w, "search")
    assert not reply["ok"] and "unknown field 'nope'" in reply["error"]
    reply = request(w, "drop_tables")
    assert not reply["ok"] and "unknown request" in reply["error"]
    # The request carries the boxes' settings: they win over traits not yet updated (marimo
    # may deliver the request before the trait updates sent ahead of it).
    reply = request(w, "search", query="stock prices", k=3, mode="text", where="", rerank="")
    assert reply["ok"] and reply["query"] == "stock prices"
    assert (w.k, w.mode, w.where) == (3, "text", "")
    expected = docs.query("stock prices", k=3, mode="text").ids
    assert decode(w, "results").column("id").to_pylist() == expected


def test_search_widget_grades_the_hits_it_shows(tmp_path: Path) -> None:
    db = vl.connect(tmp_path / "db", embedder=vl.HashEmbedder(dim=16))
    c = db.create_collection("c")
    c.add(ids=["a", "b", "c"], texts=["moon tides", "moon tides", "bond prices"])
    plain = SearchWidget(c, query="moon")
    assert plain.judge == "" and plain.grades == {}
    reply = request(plain, "grade", id="a", grade=2)
    assert not reply["ok"] and "grading is off" in reply["error"]

    j = vl.Judgements(c, judge="ana")
    w = SearchWidget(c, judgements=j, query=" moon ", k=3)
    assert w.judge == "ana" and w.graded_query == "moon" and w.grades == {}
    assert w.twins == {"a": ["b"], "b": ["a"]}  # the same text, twice
    assert request(w, "grade", id="a", grade=3)["ok"]  # what key 3 sends
    assert w.grades == {"a": [3, "ana"]} and j.get("moon", "a") == 3
    assert j.current().column("source").to_pylist() == ["widget"]
    assert request(w, "copy_grade", source="a", to=["b"])["ok"]
    assert w.grades == {"a": [3, "ana"], "b": [3, "ana"]}
    reply = request(w, "grade", id="a", grade=7)
    assert not reply["ok"] and "an int from 0 to 3" in reply["error"]
    # A new widget (a new kernel, say) shows the stored grades of its query.
    again = SearchWidget(c, judgements=True, query="moon")
    assert again.grades == {"a": [3, "ana"], "b": [3, "ana"]}
    assert SearchWidget(c, judgements=True, query="bond").grades == {}


def test_rerank_setting_and_selection_trait(docs: vl.Collection) -> None:
    w = SearchWidget(docs, k=3)
    assert "mmr" in w.rerankers
    w.search("cat", rerank="mmr")
    assert "_rank_change" in decode(w, "results").column_names
    seen: list[Any] = []
    w.observe(lambda change: seen.append(change["new"]), names="selected")
    w.selected = {"id": "cat", "rank": 1}
    assert seen == [{"id": "cat", "rank": 1}]


def test_unknown_kwargs_and_missing_bundle(docs: vl.Collection, monkeypatch: Any) -> None:
    with pytest.raises(TypeError, match="unexpected keyword argument"):
        SearchWidget(docs, kk=3)
    with pytest.raises(TypeError, match="unexpected keyword"):
        SearchWidget(docs).search("cat", limit=3)
    monkeypatch.setattr(SearchWidget, "_bundle", "missing.js")
    with pytest.raises(BundleNotBuiltError, match="npm --prefix js ci"):
        SearchWidget(docs)


def test_bundle_is_built_and_self_contained() -> None:
    static = Path(vl.__file__).parent / "static"
    for name in widget_bundles():
        text = (static / name).read_text()
        assert "export" in text
        # Nothing is loaded from a network at run time (no CDN imports; URLs inside messages,
        # such as regl's "see http://get.webgl.org", are text).
        assert not re.search(r"""(?:import\s*\(?|from)\s*["'`]https?://""", text), name
    # User text is only ever set as textContent: none of our sources touches innerHTML (the
    # chart library's own code in the bundles does, on the SVG it draws).
    sources = list((ROOT / "js" / "src").rglob("*.ts"))
    assert len(sources) >= 8
    for src in sources:
        assert not re.search(
            r"innerHTML|outerHTML|insertAdjacentHTML|document\.write", src.read_text()
        ), src
    for name in ("search.js", "browser.js"):
        assert "innerHTML" not in (static / name).read_text()


@pytest.mark.slow  # writes a large collection to page through
def test_collection_browser_pages_sorts_and_sends_one_page(tmp_path: Path) -> None:
    import numpy as np

    from vecstore_lab.widgets import CollectionBrowser

    c = vl.connect(tmp_path).create_collection("big", dim=4)
    n = 120_000
    c.add(
        ids=[f"r{i:06d}" for i in range(n)],
        vectors=np.ones((n, 4), dtype=np.float32),
        metadatas=[{"rating": (i * 7919) % 100_003} for i in range(n)],
    )
    cb = CollectionBrowser(c, page_size=25)
    assert cb.total == n and decode(cb, "rows").num_rows == 25
    assert len(cb.rows) < 5_000  # one page of Arrow IPC, not the collection
    cb.load_page(page=3)
    assert decode(cb, "rows").column("id")[0].as_py() == "r000075"
    cb.load_page(page=0, sort_by="rating", descending=True)
    ratings = decode(cb, "rows").column("rating").to_pylist()
    assert ratings == sorted(ratings, reverse=True) and ratings[0] == max(
        (i * 7919) % 100_003 for i in range(n)
    )
    cb.load_page(page=10**6)  # clamped to the last page
    assert cb.page == -(-n // 25) - 1
    reply = request(cb, "page", page=1, sort_by="vector")
    assert not reply["ok"] and "cannot order by 'vector'" in reply["error"]
    assert cb.stats["rows"] == n and cb.versions[-1]["rows"] == n
    assert repr(cb).startswith("CollectionBrowser(collection='big', rows=120000")

    # The filter box: rows matching it, sorted and paged; the count follows it.
    reply = request(cb, "page", page=2, sort_by="rating", where="rating < 1000")
    assert reply["ok"] and reply["total"] == c.count("rating < 1000") == cb.total
    ratings = decode(cb, "rows").column("rating").to_pylist()
    want = sorted(((i * 7919) % 100_003 for i in range(n)), reverse=False)
    want = [r for r in want if r < 1000]
    assert cb.page == 0  # a new filter starts at its first page
    assert ratings == want[:25]
    request(cb, "page", page=1, sort_by="rating", where="rating < 1000")
    assert decode(cb, "rows").column("rating").to_pylist() == want[25:50]
    # A bad filter is an error; the filter, count and rows stay as they were.
    before = cb.rows
    reply = request(cb, "page", page=0, where="nope > 1")
    assert not reply["ok"] and "nope" in reply["error"]
    assert cb.where == "rating < 1000" and cb.rows.equals(before)
    # A write makes a new version: the next page sees the new row.
    c.add(ids=["zzz"], vectors=np.ones((1, 4), np.float32), metadatas=[{"rating": -1}])
    request(cb, "page", page=0, sort_by="rating", where="rating < 1000")
    assert decode(cb, "rows").column("id")[0].as_py() == "zzz"


def test_embedding_map_projects_and_places_queries(docs: vl.Collection) -> None:
    import numpy as np

    from vecstore_lab.widgets import EmbeddingMap
    from vecstore_lab.widgets.embedding_map import pca_2d

    em = EmbeddingMap(docs, color_by="topic")
    points = decode(em, "points")
    # Typed columns only: float32 x/y inside [-1, 1], a one-byte colour code per row, and a
    # one-byte cluster code per row and label level.
    assert points.schema.names == ["x", "y", "color", "cluster_0", "cluster_1"]
    assert points.schema.field("x").type == pa.float32()
    assert points.schema.field("color").type == pa.uint8()
    assert points.schema.field("cluster_1").type == pa.uint8()
    assert points.num_rows == 5 and em.total == 5
    assert em.payload_bytes == len(em.get_state("points")["points"])
    xy = np.column_stack([points.column("x").to_numpy(), points.column("y").to_numpy()])
    assert np.abs(xy).max() <= 1.0
    assert em.legend == {"kind": "category", "labels": ["finance", "pets", "food"],
                         "counts": [2, 2, 1]}  # fmt: skip
    # The code of each point is its row's topic.
    ids = em.projection.ids.to_pylist()
    topics = {r.id: r.metadata["topic"] for r in docs.get()}
    codes = points.column("color").to_pylist()
    assert [em.legend["labels"][c] for c in codes] == [topics[i] for i in ids]

    res = em.show_query("the cat sat on the mat and purred", k=2)
    assert em.highlighted == res.ids
    assert em.highlighted_index == em.index_of(res.ids)
    assert [ids[i] for i in em.highlighted_index] == res.ids
    # The query's text is a stored document: it lands exactly on that document's point.
    assert (em.query_point["x"], em.query_point["y"]) == pytest.approx(em.point_of("cat"))

    # Hover card: text and metadata of one point; a hit's card carries its breakdown.
    card = request(em, "point", index=ids.index("cat"))
    assert card["ok"] and card["row_id"] == "cat" and card["text"].startswith("the cat sat")
    assert card["metadata"]["topic"] == "pets" and card["hit"]["rank"] == 1
    assert "vector_score" in card["hit"]["breakdown"] or card["hit"]["breakdown"]
    assert "hit" not in request(em, "point", index=ids.index("bread"))
    assert request(em, "point", index=99)["ok"] is False
    # A selection from the front end (point indices, the ``picked`` trait it sets: what the
    # comm's update does) becomes ids in Python; out-of-range points are dropped.
    em.set_state({"picked": [ids.index("dog"), ids.index("bonds"), 77]})
    assert em.selected_ids == sorted(["dog", "bonds"], key=ids.index)
    assert em.picked == sorted([ids.index("dog"), ids.index("bonds")])
    # Set from Python, the ids move ``picked`` with them (so picking the same points again
    # is still a change), and a new projection keeps them in step.
    em.selected_ids = ["cat"]
    assert em.picked == [ids.index("cat")]
    em.set_state({"picked": [len(ids) - 1]})
    assert em.selected_ids == [ids[-1]]
    em.max_points = len(ids) - 1  # a sample: the last point moves down one place
    assert em.picked == [len(ids) - 2] and em.point_ids[em.picked[0]].as_py() == ids[-1]
    em.max_points = 2_000_000

    # A numeric field is a colour scale: float32 in [0, 1] over its range.
    em.color_by = "year"
    assert em.legend == {"kind": "category", "labels": ["2019", "2020", "2021", "2022", "2023"],
                         "counts": [1, 1, 1, 1, 1]}  # few distinct values: categories  # fmt: skip

    coords, _, axes = pca_2d(np.random.default_rng(0).normal(size=(50, 6)))
    assert coords.shape == (50, 2)
    np.testing.assert_allclose(axes @ axes.T, np.eye(2), atol=1e-6)
    with pytest.raises(vl.InvalidInputError, match="color_by"):
        EmbeddingMap(docs, color_by="nope")


def test_map_colours_many_numbers_on_a_scale_and_caps_categories() -> None:
    from vecstore_lab.widgets.embedding_map import MAX_CATEGORIES, encode_colors

    w, legend = encode_colors(pa.array([float(i) for i in range(100)] + [None]))
    assert legend == {"kind": "value", "min": 0.0, "max": 99.0}
    assert w.type == pa.float32() and w[0].as_py() == 0.0 and w[99].as_py() == 1.0
    assert w[100].as_py() == 0.0  # null
    labels = [f"c{i:02d}" for i in range(30) for _ in range(30 - i)]  # c00 is the largest
    codes, legend = encode_colors(pa.array([*labels, None]))
    assert len(legend["labels"]) == MAX_CATEGORIES and legend["labels"][-1] == "other"
    assert legend["labels"][0] == "c00" and sum(legend["counts"]) == len(labels) + 1
    assert codes[0].as_py() == 0 and codes[len(labels) - 1].as_py() == MAX_CATEGORIES - 1


def test_telemetry_widget_throttles_updates(docs: vl.Collection) -> None:
    from opentelemetry.sdk.trace import TracerProvider

    from vecstore_lab import telemetry
    from vecstore_lab.telemetry import Recorder
    from vecstore_lab.widgets import TelemetryWidget

    provider, recorder = TracerProvider(), Recorder()
    provider.add_span_processor(recorder)
    telemetry.use_providers(provider, None)
    try:
        tw = TelemetryWidget(recorder, interval=0.3)
        start = tw.updates
        for _ in range(30):
            docs.query("cat", k=2)
        import time

        time.sleep(1.0)
        # 30 queries (90 spans) arrive as a handful of pushes, not 90
        assert 1 <= tw.updates - start <= 6
        assert tw.totals["queries"] == 30
        assert decode(tw, "summary").column("stage").to_pylist() == [
            "embed",
            "query",
            "search.vector",
        ]
        tw.close()
    finally:
        telemetry.use_providers(None, None)
    with pytest.raises(vl.InvalidInputError, match="enable"):
        TelemetryWidget()


def test_eval_widget_scores_configs_and_drills_down(tmp_path: Path) -> None:
    from vecstore_lab import eval as ev
    from vecstore_lab.widgets import EvalWidget

    c = vl.connect(tmp_path, embedder=vl.HashEmbedder(dim=64)).create_collection("chunks")
    docs = [
        vl.Document(
            "The moon raises ocean tides. " * 3 + "Spring tides follow new moons.", {"id": "tides"}
        ),
        vl.Document("Bond prices fall when interest rates rise. " * 4, {"id": "bonds"}),
        vl.Document("Sourdough bread rises with wild yeast. " * 4, {"id": "bread"}),
    ]
    c.add_documents(
        docs,
        splitter=vl.RecursiveCharacterTextSplitter(chunk_size=60, chunk_overlap=0),
        progress=False,
    )
    assert len(c) > 3  # several chunks per document
    queries = {"q1": "ocean tides moon", "q2": "interest rates", "q3": "wild yeast"}
    qrels = {"q1": {"tides": 2}, "q2": {"bonds": 1, "bread": 0}, "q3": {"bread": 1, "tides": 1}}
    configs = {"vector": {"mode": "vector"}, "text": {"mode": "text"}}
    w = EvalWidget(c, queries, qrels, configs, k=2, doc_key="doc_id")
    # The widget shows exactly what evaluate()/compare() compute.
    expected = ev.evaluate(c, queries, qrels, configs, k=2, doc_key="doc_id")
    assert w.per_query_table.equals(expected)
    assert decode(w, "summary").equals(ev.compare(expected, "vector"))
    sent = decode(w, "per_query")
    assert sent.column("query").to_pylist()[:3] == [
        "ocean tides moon",
        "interest rates",
        "wild yeast",
    ]
    assert w.metrics == ["recall", "precision", "mrr", "ndcg", "map", "judged"]
    assert w.baseline == "vector"

    # Drill-down: documents (best chunk each), ranks 1..k, judged, missed ones listed.
    d = w.drill("q3", "text")
    assert (
        d.ids
        == ev.run_config(c, {"q3": "wild yeast"}, {"mode": "text"}, k=2, doc_key="doc_id")["q3"]
    )
    shown = decode(w, "drill_results")
    assert shown.column("_rank").to_pylist() == list(range(1, len(d.ids) + 1))
    assert shown.column("doc_id").to_pylist() == d.ids
    assert shown.column("_relevance").to_pylist() == [qrels["q3"].get(i, 0) for i in d.ids]
    assert "vector" not in shown.column_names
    assert d.missed == [m["id"] for m in w.drill_missed] == sorted(set(qrels["q3"]) - set(d.ids))
    assert (w.drill_query, w.drill_config, w.drill_text) == ("q3", "text", "wild yeast")

    reply = request(w, "drill", query_id="q1", config="vector")
    assert reply["ok"] and w.drill_query == "q1"
    bad = request(w, "drill", query_id="q9", config="vector")
    assert not bad["ok"] and "not a judged query" in bad["error"]
    with pytest.raises(vl.errors.InvalidInputError, match="baseline"):
        EvalWidget(c, queries, qrels, configs, baseline="nope")
    # Another baseline re-compares the same per-query numbers (no queries run).
    w.baseline = "text"
    assert decode(w, "summary").equals(ev.compare(expected, "text"))
    assert w.summary_table.equals(ev.compare(expected, "text"))
    with pytest.raises(vl.errors.InvalidInputError, match="baseline 'nope'"):
        w.baseline = "nope"
    assert w.baseline == "text"  # reverted
    w.baseline = "vector"
    # Numbers already computed are shown as they are (no second run), if they fit.
    again = EvalWidget(c, queries, qrels, configs, k=2, doc_key="doc_id", results=expected)
    assert again.per_query_table is expected and again.summary == w.summary
    with pytest.raises(vl.errors.InvalidInputError, match="expected configs"):
        EvalWidget(c, queries, qrels, configs, k=3, results=expected)
    with pytest.raises(vl.errors.InvalidInputError, match="expected configs"):
        EvalWidget(c, queries, qrels, {"vector": {}}, k=2, results=expected)


def test_eval_widget_compares_collections_with_different_embedders(tmp_path: Path) -> None:
    from vecstore_lab.eval import SearchConfig
    from vecstore_lab.widgets import EvalWidget

    db = vl.connect(tmp_path)
    texts = ["the moon raises tides", "bond prices and rates", "bread and yeast"]
    small = db.create_collection("small", embedder=vl.HashEmbedder(dim=8))
    big = db.create_collection("big", embedder=vl.HashEmbedder(dim=256))
    for col in (small, big):
        col.add(ids=["a", "b", "c"], texts=texts)
    w = EvalWidget(
        small,
        {"q": "moon tides"},
        {"q": {"a": 1}},
        {"dim8": {}, "dim256": SearchConfig(vl.QuerySpec(), collection=big)},
        k=1,
    )
    assert set(w.per_query_table.column("config").to_pylist()) == {"dim8", "dim256"}
    assert w.drill("q", "dim256").ids == big.query("moon tides", k=1).ids


def test_one_list_of_bundles() -> None:
    """js/src/<widget>.ts is the list; widget classes, the build and the wheel agree with it."""
    import vecstore_lab.widgets as w

    tomllib = pytest.importorskip("tomllib")  # Python 3.11+

    bundles = widget_bundles()
    widgets = [c for c in vars(w).values() if isinstance(c, type) and getattr(c, "_bundle", "")]
    assert {c._bundle for c in widgets} == set(bundles)
    for cls in widgets:  # widgets/<widget>.py pairs with js/src/<widget>.ts
        assert cls.__module__ == f"vecstore_lab.widgets.{cls._bundle[:-3]}"
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    hook = pyproject["tool"]["hatch"]["build"]["hooks"]["jupyter-builder"]
    widget_targets = [t for t in hook["ensured-targets"] if t.startswith("vecstore_lab/static/")]
    assert sorted(widget_targets) == [f"vecstore_lab/static/{b}" for b in bundles]
    # The rest is the prebuilt JupyterLab extension (js/src/lab, one build for both).
    assert set(hook["ensured-targets"]) - set(widget_targets) == {
        "vecstore_lab/labextension/package.json"
    }


def test_typescript_models_list_every_synced_trait() -> None:
    """js/src/lib/models.ts declares each widget's state; it must match the Python traits."""
    import anywidget

    import vecstore_lab.widgets as w

    source = (ROOT / "js" / "src" / "lib" / "models.ts").read_text()
    declared = {
        name: set(re.findall(r"^  (\w+)\??:", body, flags=re.M))
        for name, body in re.findall(r"export interface (\w+) \{(.*?)\n\}", source, flags=re.S)
    }
    base = set(anywidget.AnyWidget.class_trait_names(sync=True))
    pairs = {
        "SearchModel": w.SearchWidget,
        "BrowserModel": w.CollectionBrowser,
        "EmbeddingMapModel": w.EmbeddingMap,
        "EvalModel": w.EvalWidget,
        "TelemetryModel": w.TelemetryWidget,
        "JudgeModel": w.JudgeWidget,
    }
    for interface, cls in pairs.items():
        synced = set(cls.class_trait_names(sync=True)) - base
        assert declared[interface] == synced, interface


def test_commands_are_registered_by_decorator() -> None:
    import vecstore_lab.widgets as w

    assert w.SearchWidget._commands == {
        "search": "_search_command",
        "grade": "_grade_command",
        "copy_grade": "_copy_command",
        "why": "_why_command",
    }
    assert set(w.CollectionBrowser._commands) == {"page", "refresh"}
    assert set(w.EvalWidget._commands) == {"drill"}


def test_static_fallback_is_escaped_html_of_what_the_widget_shows(docs: vl.Collection) -> None:
    """Pages that cannot run a widget (GitHub, nbviewer) show the text/html next to the view."""
    from vecstore_lab.widgets import CollectionBrowser

    docs.add(ids=["evil"], texts=['<img src=x onerror="alert(1)"> cat <script>x()</script>'])
    w = SearchWidget(docs, k=3)
    w.search("cat", mode="text")
    data, _meta = w._repr_mimebundle_()
    page = data["text/html"]
    assert "application/vnd.jupyter.widget-view+json" in data
    for hit in w.last_results or []:
        assert f"<td>{hit.id}</td>" in page
    assert "<img" not in page and "<script" not in page and "&lt;img src=x" in page
    assert "bm25 · " in page and "linear-gradient" in page  # a bar per scoring stage
    html_of_results = docs.query("cat", mode="text", k=3)._repr_html_()
    assert "&lt;script&gt;" in html_of_results and "<script" not in html_of_results
    browser_page = CollectionBrowser(docs, page_size=2)._repr_mimebundle_()[0]["text/html"]
    assert browser_page.count("<tr>") == 3 and "&lt;img" not in browser_page  # header + 2 rows


def test_results_json_for_jupyterlab_sits_next_to_the_view(docs: vl.Collection) -> None:
    """The SearchWidget and QueryResults put their hits as JSON under the extension's MIME
    type; a widget before its first search shows no hits at all (not empty rows)."""
    from vecstore_lab._render.html import RESULTS_MIME

    fresh = SearchWidget(docs, k=3)
    data, _meta = fresh._repr_mimebundle_()
    assert data[RESULTS_MIME]["rows"] == [] and data[RESULTS_MIME]["total"] == 0
    assert "<tr><td>" not in data["text/html"]

    fresh.search("cat", mode="hybrid")
    data, _meta = fresh._repr_mimebundle_()
    payload = data[RESULTS_MIME]
    assert [r["id"] for r in payload["rows"]] == (fresh.last_results or []).ids
    assert payload["words"] == list(fresh.marks) and payload["mode"] == "hybrid"
    assert all("vector" not in r and r["_fused_score"] is not None for r in payload["rows"])
    json.dumps(payload, allow_nan=False)  # strict JSON: what JupyterLab's parser accepts


def test_map_static_html_is_a_picture_of_the_map(tmp_path: Path) -> None:
    """A page that cannot run the widget shows the map itself: a PNG of the points in their
    colours, the hits ringed, and a caption as escaped text."""
    import base64
    import io

    import numpy as np
    from PIL import Image

    from vecstore_lab.widgets import EmbeddingMap
    from vecstore_lab.widgets._picture import _pixels

    db = vl.connect(tmp_path, embedder=vl.HashEmbedder(dim=32))
    docs = db.create_collection("docs")
    topics = ["cats and kittens", "stock markets", "bread baking", "planets and <b>stars</b>"]
    docs.add(
        ids=[f"d{i}" for i in range(400)],
        texts=[f"{topics[i % 4]} note {i}" for i in range(400)],
        metadatas=[{"topic": topics[i % 4], "weight": i * 2.5} for i in range(400)],
    )

    def picture(widget: EmbeddingMap) -> tuple[np.ndarray, str]:
        page = widget._repr_mimebundle_()[0]["text/html"]
        data = re.search(r'src="data:image/png;base64,([^"]+)"', page)
        assert data is not None, page[:300]
        image = Image.open(io.BytesIO(base64.b64decode(data.group(1)))).convert("RGB")
        return np.asarray(image), page

    em = EmbeddingMap(docs, color_by="topic")
    em.show_query("stock markets", k=5)
    image, page = picture(em)
    assert image.shape == (400, 640, 3)
    colours = {tuple(c) for c in image.reshape(-1, 3)} - {(255, 255, 255)}
    assert len(colours) >= 5  # four topics and the rings
    assert "400 points" in page and "&lt;b&gt;stars&lt;/b&gt;" in page and "<b>" not in page
    # Each hit is ringed in a dark colour on the white page.
    xs, ys = em.points.column("x").to_numpy(), em.points.column("y").to_numpy()
    px, py = _pixels(xs, ys)
    for i in em.highlighted_index:
        ring = image[py[i] - 9 : py[i] + 10, px[i] - 9 : px[i] + 10]
        assert ring.min(axis=-1).min() < 60, i

    # Numbers are painted along the scale: many colours, not one.
    image, page = picture(EmbeddingMap(docs, color_by="weight"))
    assert len({tuple(c) for c in image.reshape(-1, 3)} - {(255, 255, 255)}) >= 8
    assert "colour: weight 0.0..997.5" in page
