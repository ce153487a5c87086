"""CrossEncoderReranker on a tiny cross-encoder built here; ColBERTReranker on packaged MiniLM."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from tiny_models import save_cross_encoder

import vecstore_lab as vl
from vecstore_lab import errors
from vecstore_lab.rerankers import ColBERTReranker, CrossEncoderReranker
from vecstore_lab.rerankers.colbert import maxsim

pytestmark = pytest.mark.slow

TEXTS = {
    "cat": "the cat sat on the mat",
    "kitten": "a small kitten sleeps on a rug",
    "stocks": "stock markets fell sharply",
    "bread": "sourdough bread needs a starter",
    "planet": "astronomers found a new planet",
}


@pytest.fixture(scope="module")
def tiny_cross_encoder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-layer BERT sequence classifier (random weights, MiniLM's tokenizer), saved locally."""
    return save_cross_encoder(tmp_path_factory.mktemp("models") / "tiny-cross-encoder")


@pytest.fixture(scope="module")
def collection(tmp_path_factory: pytest.TempPathFactory) -> vl.Collection:
    db = vl.connect(tmp_path_factory.mktemp("db"), embedder=vl.SentenceTransformerEmbedder())
    c = db.create_collection("docs")
    c.add(ids=list(TEXTS), texts=list(TEXTS.values()))
    return c


def test_cross_encoder_follows_its_model(
    tiny_cross_encoder: Path, collection: vl.Collection
) -> None:
    from sentence_transformers import CrossEncoder

    reranker = CrossEncoderReranker(str(tiny_cross_encoder), max_length=64)
    query = "where did the cat sit?"
    res = collection.query(query, k=5, rerank=reranker)
    model = CrossEncoder(str(tiny_cross_encoder), max_length=64)
    expected = model.predict([(query, TEXTS[i]) for i in TEXTS])
    by_model = [list(TEXTS)[i] for i in np.argsort(-expected, kind="stable")]
    assert res.ids == by_model
    np.testing.assert_allclose(res.scores, np.sort(expected)[::-1], rtol=1e-5)
    for hit in res:
        assert hit.breakdown["rank_change"] == hit.breakdown["retrieval_rank"] - hit.rank
        assert hit.breakdown["vector_rank"] == hit.breakdown["retrieval_rank"]


def test_cross_encoder_load_error_is_clear(tmp_path: Path) -> None:
    reranker = CrossEncoderReranker(str(tmp_path / "missing"))
    with pytest.raises(errors.EmbedderError, match="could not load cross-encoder"):
        reranker.score("q", ["t"])


def test_colbert_maxsim_matches_hand_computation(collection: vl.Collection) -> None:
    reranker = ColBERTReranker()
    model = reranker._encoder.model
    query, doc = "cat on a mat", TEXTS["cat"]

    def tokens(text: str) -> np.ndarray:
        m = model.encode([text], output_value="token_embeddings")[0].numpy()[1:-1]
        return m / np.linalg.norm(m, axis=1, keepdims=True)

    q, d = tokens(query), tokens(doc)
    by_hand = sum(max(float(qi @ dj) for dj in d) for qi in q)
    assert reranker.score(query, [doc])[0] == pytest.approx(by_hand, rel=1e-5)
    assert maxsim(q, d) == pytest.approx(by_hand, rel=1e-5)


def test_colbert_reranks_by_term_matches_and_caches(collection: vl.Collection) -> None:
    reranker = ColBERTReranker()
    res = collection.query("kitten sleeping on a rug", k=3, mode="text", rerank=reranker)
    assert res.ids[0] == "kitten"
    res = collection.query("stock market", k=5, rerank=reranker)
    assert res.ids[0] == "stocks"
    misses = reranker.doc_cache.misses
    again = collection.query("stock market", k=5, rerank=reranker)
    assert again.ids == res.ids
    assert reranker.doc_cache.misses == misses  # every document came from the cache
    assert reranker.query_cache.hits >= 1


def test_rerank_by_name_reuses_one_instance(collection: vl.Collection) -> None:
    from vecstore_lab.rerankers import resolve_reranker

    assert resolve_reranker("colbert") is resolve_reranker("colbert")
    res = collection.query("bread", k=2, rerank="colbert", mode="hybrid")
    assert res.ids[0] == "bread" and res[0].breakdown["rerank_score"] == res[0].score


def test_colbert_alignment_names_the_tokens_that_matched(collection: vl.Collection) -> None:
    reranker = ColBERTReranker()
    query, doc = "a kitten naps on a carpet", TEXTS["kitten"]
    aligned = reranker.alignment(query, doc).to_pylist()
    # One row per query token (MiniLM's word pieces: "naps" is "nap" + "s"), each pointing
    # into both texts.
    assert [r["query_token"] for r in aligned] == ["a", "kitten", "nap", "s", "on", "a", "carpet"]
    for r in aligned:
        assert query[r["query_start"] : r["query_end"]] == r["query_token"]
        assert doc[r["doc_start"] : r["doc_end"]] == r["doc_token"]
    by_query = {r["query_token"]: r["doc_token"] for r in aligned}
    assert by_query["kitten"] == "kitten" and by_query["carpet"] == "rug"
    # The similarities are the score: MaxSim sums them.
    total = sum(r["similarity"] for r in aligned)
    assert total == pytest.approx(reranker.score(query, [doc])[0], rel=1e-5)
    # Through a query: results.why() aligns with the query's own ColBERT reranker.
    res = collection.query(query, k=2, rerank=reranker)
    tokens = res.why(res.ids[0]).tokens.to_pylist()
    assert sum(r["similarity"] for r in tokens) == pytest.approx(res[0].score, rel=1e-5)
