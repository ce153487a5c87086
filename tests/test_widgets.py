"""Widget model logic and message handlers, without a browser."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

import vecstore_lab as vl
from vecstore_lab.errors import BundleNotBuiltError, InvalidFilterError
from vecstore_lab.widgets import SearchWidget
from vecstore_lab.widgets.search import parse_where


def decode(ipc: bytes) -> pa.Table:
    return pa.ipc.open_stream(ipc).read_all()


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
    table = decode(w.results)
    assert (
        table.column("id").to_pylist()
        == res.ids
        == docs.query("the cat sat on the mat", k=3, mode="hybrid").ids
    )
    assert "vector" not in table.column_names and "fused_score" in table.column_names
    assert w.status.startswith("3 hits in") and w.error == ""
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


def test_rerank_setting_and_selection_trait(docs: vl.Collection) -> None:
    w = SearchWidget(docs, k=3)
    assert "mmr" in w.rerankers
    w.search("cat", rerank="mmr")
    assert "rank_change" in decode(w.results).column_names
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
    for name in ("search.js", "browser.js"):
        text = (static / name).read_text()
        assert "export" in text and "http://" not in text.replace("http://www.w3.org", "")
        assert "innerHTML" not in text  # user text is only ever set as textContent


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
    assert cb.total == n and decode(cb.rows).num_rows == 25
    assert len(cb.rows) < 5_000  # one page of Arrow IPC, not the collection
    cb.load_page(page=3)
    assert decode(cb.rows).column("id")[0].as_py() == "r000075"
    cb.load_page(page=0, sort_by="rating", descending=True)
    ratings = decode(cb.rows).column("rating").to_pylist()
    assert ratings == sorted(ratings, reverse=True) and ratings[0] == max(
        (i * 7919) % 100_003 for i in range(n)
    )
    cb.load_page(page=10**6)  # clamped to the last page
    assert cb.page == -(-n // 25) - 1
    reply = request(cb, "page", page=1, sort_by="vector")
    assert not reply["ok"] and "cannot sort by 'vector'" in reply["error"]
    assert cb.stats["rows"] == n and cb.versions[-1]["rows"] == n
    assert repr(cb).startswith("CollectionBrowser(collection='big', rows=120000")


def test_embedding_map_projects_and_places_queries(docs: vl.Collection) -> None:
    import numpy as np

    from vecstore_lab.widgets import EmbeddingMap
    from vecstore_lab.widgets.embedding_map import pca_2d

    em = EmbeddingMap(docs, color_by="topic")
    points = decode(em.points)
    assert points.num_rows == 5 and set(points.column("color").to_pylist()) == {
        "pets",
        "finance",
        "food",
    }
    res = em.show_query("the cat sat on the mat and purred", k=2)
    assert em.highlighted == res.ids and em.query_point is not None
    # the query's text is a stored document: it lands exactly on that document's point
    cat = points.filter(pa.compute.equal(points.column("id"), "cat")).to_pylist()[0]
    assert em.query_point["x"] == pytest.approx(cat["x"]) and em.query_point["y"] == pytest.approx(
        cat["y"]
    )
    xy, _, components = pca_2d(np.random.default_rng(0).normal(size=(50, 6)))
    assert xy.shape == (50, 2)
    np.testing.assert_allclose(components @ components.T, np.eye(2), atol=1e-9)
    with pytest.raises(vl.InvalidInputError, match="color_by"):
        EmbeddingMap(docs, color_by="nope")


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
        assert decode(tw.summary).column("stage").to_pylist() == ["embed", "query", "search.vector"]
        tw.close()
    finally:
        telemetry.use_providers(None, None)
    with pytest.raises(vl.InvalidInputError, match="enable"):
        TelemetryWidget()
