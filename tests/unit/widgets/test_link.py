"""Linked widgets and FacetWidget: every source filters every other view, never itself; the
rows each view ends up with are checked against the collection itself."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import vecstore_lab as vl
from vecstore_lab import errors
from vecstore_lab.widgets import (
    CollectionBrowser,
    EmbeddingMap,
    FacetWidget,
    SearchWidget,
    link,
)

TOPICS = ["cats and kittens", "stock markets", "bread baking", "planets and stars"]
N = 240


def _collection(path: Path, name: str = "docs") -> vl.Collection:
    c = vl.connect(path, embedder=vl.HashEmbedder(dim=32)).create_collection(name)
    metadatas = []
    for i in range(N):
        row: dict[str, object] = {"weight": (i * 37) % 1000}
        if i % 24:  # every 24th row has no topic
            row["topic"] = TOPICS[i % 4].split()[0] if i % 7 else f"rare{i}"
        metadatas.append(row)
    c.add(
        ids=[f"d{i}" for i in range(N)],
        texts=[f"{TOPICS[i % 4]} note {i}" for i in range(N)],
        metadatas=metadatas,
    )
    return c


@pytest.fixture
def docs(tmp_path: Path) -> vl.Collection:
    return _collection(tmp_path / "db")


def _ids(c: vl.Collection, where: object) -> set[str]:
    return set(c.get(where=where, select=[]).ids)


def test_a_facet_pick_filters_the_browser_map_search_and_other_facets(docs: vl.Collection) -> None:
    em, br = EmbeddingMap(docs, color_by="topic"), CollectionBrowser(docs)
    fa, se = FacetWidget(docs, ["topic", "weight"]), SearchWidget(docs, query="stock markets")
    linked = link(em, br, fa, se)
    fa.pick("topic", ["cats", "bread"])
    wanted = _ids(docs, {"topic": {"$in": ["cats", "bread"]}})
    assert set(br.scope.to_pylist()) == wanted and br.total == len(wanted)
    assert "rows kept by linked views" in br.scope_note
    # The map dims every other point: its kept bits are exactly the picked rows.
    kept = np.unpackbits(np.frombuffer(em.active, np.uint8), bitorder="little")[: len(em.points)]
    assert set(np.asarray(em.point_ids)[kept.astype(bool)]) == wanted
    assert em.active_count == len(wanted)
    # The search runs again within the pick.
    assert se.last_results is not None and set(se.last_results.ids) <= wanted
    assert se.scope_note and len(se.last_results) == 10
    # The pick thins the weight histogram but not its own chart.
    topic, weight = fa.facets
    assert topic["kept"] == topic["total"]
    weights = [r.metadata["weight"] for r in docs.get(ids=sorted(wanted))]
    assert weight["labels"][:3] == ["0..50", "50..100", "100..150"]  # round bins
    edges = np.arange(0, 1001, 50)  # weights run 0..999
    counts = np.bincount(np.searchsorted(edges, weights, "right") - 1, minlength=20)
    assert weight["kept"] == counts.tolist()
    assert linked.last_ms > 0


def test_a_lasso_scopes_the_browser_and_the_facets_but_does_not_dim_its_own_map(
    docs: vl.Collection,
) -> None:
    em, br, fa = EmbeddingMap(docs), CollectionBrowser(docs), FacetWidget(docs, ["topic"])
    link(em, br, fa)
    em.selected_ids = ["d1", "d5", "d9", "d13"]  # what the front end's select command sets
    assert sorted(br.scope.to_pylist()) == ["d1", "d13", "d5", "d9"] and br.total == 4
    assert fa.kept_rows == 4 and sum(fa.facets[0]["kept"]) == 4
    assert em.active_count == -1 and em.active == b""  # its own lasso does not dim it
    # The browser's own filter narrows its page further and dims the map.
    br.load_page(where="weight >= 300")
    expected = {i for i in ["d1", "d5", "d9", "d13"] if i in _ids(docs, "weight >= 300")}
    assert set(br.scope.to_pylist()) == expected
    assert em.active_count == len(_ids(docs, "weight >= 300"))
    em.selected_ids = []  # nothing picked elsewhere: the browser's own filter alone
    assert br.scope is None and br.total == len(_ids(docs, "weight >= 300"))


def test_a_browser_filter_dims_the_map_and_recounts_the_facets(docs: vl.Collection) -> None:
    em, br, fa = EmbeddingMap(docs), CollectionBrowser(docs), FacetWidget(docs, ["topic"])
    link(em, br, fa)
    rowids = docs.rowids("topic = 'cats'")  # what the link matches the map's points by
    assert (
        len(rowids) == docs.count("topic = 'cats'") and (np.diff(rowids.astype(np.int64)) > 0).all()
    )
    br.load_page(where="topic = 'cats'")
    assert em.active_count == len(_ids(docs, "topic = 'cats'")) > 0
    assert fa.kept_rows == em.active_count
    labels = fa.facets[0]["labels"]
    assert fa.facets[0]["kept"][labels.index("cats")] == em.active_count
    # A bad filter is the browser's error; the link keeps the last good state.
    with pytest.raises(errors.InvalidFilterError):
        br.load_page(where="nope = 1")
    assert em.active_count == len(_ids(docs, "topic = 'cats'"))


def test_search_hits_ring_the_map_and_mark_browser_rows(docs: vl.Collection) -> None:
    em, br, se = EmbeddingMap(docs), CollectionBrowser(docs), SearchWidget(docs)
    link(em, br, se)
    results = se.search("bread baking")
    assert em.highlighted == list(results.ids)
    assert sorted(em.highlighted_index) == sorted(em.index_of(list(results.ids)))
    assert em.query_point is not None and em.query_point["text"] == "bread baking"
    assert br.marked == list(results.ids)


def test_facet_filters_keep_the_same_rows_as_their_bars(docs: vl.Collection) -> None:
    fa = FacetWidget(docs, ["topic", "weight"], bins=10)
    topic = fa.facets[0]
    assert topic["labels"][-1] == "other" and "(none)" in topic["labels"]
    assert sum(topic["total"]) == N
    for picks in (["cats"], ["(none)"], ["other"], ["stock", "(none)", "other"]):
        fa.clear()
        fa.pick("topic", picks)
        keep = fa.keeps()
        assert keep is not None
        assert len(_ids(docs, fa.where)) == int(keep.sum()), picks
        assert set(np.asarray(fa.ids)[keep]) == _ids(docs, fa.where)
    fa.clear()
    weight = fa.facets[1]
    fa.pick("weight", [weight["labels"][0], weight["labels"][-1]])  # the last bin is closed
    assert set(np.asarray(fa.ids)[fa.keeps()]) == _ids(docs, fa.where)
    assert fa.selection == {"weight": list(range(10))}  # a histogram pick is a range


def test_a_new_projection_keeps_the_link(docs: vl.Collection) -> None:
    em, fa = EmbeddingMap(docs), FacetWidget(docs, ["topic"])
    link(em, fa)
    fa.pick("topic", ["stock"])
    em.color_by = "weight"  # new points
    assert em.active_count == len(_ids(docs, {"topic": "stock"}))


def test_unlink_shows_every_row_again(docs: vl.Collection) -> None:
    em, br, fa = EmbeddingMap(docs), CollectionBrowser(docs), FacetWidget(docs, ["topic"])
    se = SearchWidget(docs)
    linked = link(em, br, fa, se)
    fa.pick("topic", ["cats"])
    linked.unlink()
    assert em.active_count == -1 and br.scope is None and br.total == N
    assert se.scope is None and fa.kept_rows == N
    fa.pick("topic", ["stock"])  # no longer linked
    assert br.total == N


def test_linking_needs_one_collection_and_linkable_widgets(tmp_path: Path) -> None:
    a = _collection(tmp_path / "a")
    b = _collection(tmp_path / "b")
    with pytest.raises(errors.InvalidInputError, match="share one collection"):
        link(CollectionBrowser(a), CollectionBrowser(b))
    browser = CollectionBrowser(a)
    with pytest.raises(errors.InvalidInputError, match="at least two"):
        link(browser)
    with pytest.raises(errors.InvalidInputError, match="given twice"):
        link(browser, browser)
    with pytest.raises(errors.InvalidInputError, match="cannot be linked"):
        link(browser, "a map")
    with pytest.raises(errors.InvalidInputError, match="metadata fields"):
        FacetWidget(a, ["vector"])
    with pytest.raises(errors.InvalidInputError, match="bins"):
        FacetWidget(a, ["weight"], bins=1)
    with pytest.raises(errors.InvalidInputError, match="no bar"):
        FacetWidget(a, ["topic"]).pick("topic", ["dogs"])


def test_filters_and_of_strings_and_dicts(docs: vl.Collection) -> None:
    both = vl.filters.all_of("weight >= 500", {"topic": "cats"}, None, " ")
    assert both == {"$and": ["weight >= 500", {"topic": "cats"}]}
    assert _ids(docs, both) == _ids(docs, "weight >= 500 AND topic = 'cats'")
