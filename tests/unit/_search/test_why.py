"""Why a hit scored: each query term's BM25 part (LanceDB's own numbers, which add up to its
full-text score on real text, with a filter, in hybrid mode and over rows the index has not
taken in yet), and a chunk's sentences nearest to the query."""

from __future__ import annotations

from pathlib import Path

import pytest

import vecstore_lab as vl
from vecstore_lab import errors
from vecstore_lab._search.why import sentences

QUERIES = [
    "how do I stop a loop early with break",
    "loop loop break",  # a repeated term counts twice, in LanceDB and here
    "Raising exceptions and catching them",
    "what does the with statement do",
]


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> vl.Collection:
    data = vl.load_python_reference()
    db = vl.connect(tmp_path_factory.mktemp("why"), embedder=vl.HashEmbedder(dim=64))
    c = db.create_collection("ref")
    ids = list(data.corpus)
    c.add(
        ids=ids,
        texts=[data.corpus[i]["text"][:2000] for i in ids],
        metadatas=[{"first": i[0]} for i in ids],
    )
    return c


def parts_and_scores(results: vl.QueryResults) -> tuple[dict[str, float], dict[str, float]]:
    terms = results.why().terms.to_pylist()
    parts: dict[str, float] = {}
    for r in terms:
        parts[r["id"]] = parts.get(r["id"], 0.0) + r["contribution"]
    table = results.to_arrow()
    scores = dict(zip(results.ids, table.column("_fts_score").to_pylist(), strict=True))
    return parts, {i: s for i, s in scores.items() if s is not None}


@pytest.mark.parametrize("query", QUERIES)
def test_term_parts_add_up_to_lancedbs_score(reference: vl.Collection, query: str) -> None:
    results = reference.query(query, k=8, mode="text")
    assert len(results) > 0
    parts, scores = parts_and_scores(results)
    for hit, score in scores.items():
        assert parts[hit] == pytest.approx(score, rel=1e-5, abs=1e-5), hit


def test_with_a_filter_in_hybrid_mode_and_over_unindexed_rows(reference: vl.Collection) -> None:
    filtered = reference.query(
        QUERIES[0], k=6, mode="text", where={"first": {"$in": ["b", "c", "f"]}}
    )
    parts, scores = parts_and_scores(filtered)
    assert scores and all(parts[h] == pytest.approx(s, rel=1e-5) for h, s in scores.items())
    hybrid = reference.query(QUERIES[2], k=6, mode="hybrid")
    parts, scores = parts_and_scores(hybrid)
    assert scores and all(parts[h] == pytest.approx(s, rel=1e-5) for h, s in scores.items())


def test_terms_name_the_words_that_carry_them(reference: vl.Collection) -> None:
    results = reference.query("breaking loops", k=3, mode="text")
    rows = results.why(results.ids[0]).terms.to_pylist()
    by_term = {r["term"]: r for r in rows}
    assert set(by_term) == {"break", "loop"}
    text = results[0].text.lower()
    for r in rows:
        assert all(w in text for w in r["words"]) and r["tf"] >= len(r["words"]) > 0
        assert r["share"] == pytest.approx(r["contribution"] / sum(x["contribution"] for x in rows))


def test_the_nearest_sentences_come_from_the_hit(reference: vl.Collection) -> None:
    results = reference.query("raise an exception explicitly", k=2)
    reasons = results.why()
    for hit in results:
        mine = reasons.for_hit(hit.id).sentences.to_pylist()
        assert [r["rank"] for r in mine] == list(range(1, len(mine) + 1))
        sims = [r["similarity"] for r in mine]
        assert sims == sorted(sims, reverse=True)
        for r in mine:
            assert hit.text[r["start"] : r["end"]] == r["sentence"]
    # Asked again, the sentences come from the embedding cache (nothing embedded twice).
    assert "nearest sentence" in reasons.summary(results.ids[0])


def test_sentences_split_on_ends_paragraphs_and_list_items() -> None:
    text = "First one. Second one!\n\nA paragraph\n* an item\n* another"
    assert [s for s, _, _ in sentences(text)] == [
        "First one.",
        "Second one!",
        "A paragraph",
        "* an item",
        "* another",
    ]
    assert all(text[a:b] == s for s, a, b in sentences(text))


def test_why_needs_a_text_query_and_its_own_hits(reference: vl.Collection) -> None:
    results = reference.query("loops", k=2)
    with pytest.raises(errors.InvalidIdError, match="not one of these hits"):
        results.why("nope")
    by_vector = reference.query(vector=[1.0] + [0.0] * 63, k=2)
    with pytest.raises(errors.InvalidInputError, match="text query"):
        by_vector.why()


def test_unindexed_rows_too(tmp_path: Path) -> None:
    c = vl.connect(tmp_path, embedder=vl.HashEmbedder(dim=8)).create_collection("c")
    c.add(ids=["a", "b"], texts=["the loop breaks early", "a loop of loops"])
    c.add(ids=["c"], texts=["break out of the loop with break"])  # after the index was built
    results = c.query("break the loop", k=3, mode="text")
    parts, scores = parts_and_scores(results)
    assert "c" in scores and all(parts[h] == pytest.approx(s, rel=1e-5) for h, s in scores.items())
