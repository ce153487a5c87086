"""The LangChain adapter against LangChain's own standard test suites (langchain-tests),
unmodified, and the QuerySpec retriever against what the collection itself returns.

Skipped standard tests: none.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("langchain_tests")

from langchain_core.documents import Document
from langchain_core.vectorstores import VectorStore
from langchain_tests.integration_tests import (
    RetrieversIntegrationTests,
    VectorStoreIntegrationTests,
)

import vecstore_lab as vl
from vecstore_lab.integrations.langchain import (
    LangChainEmbedder,
    QuerySpecRetriever,
    VecStoreLab,
    as_embeddings,
    langchain_key,
    store_key,
)


@pytest.fixture(autouse=True)
def _no_borrowed_loop() -> Iterator[None]:
    """The async standard tests run in their own event loop. Under xdist this module may run
    in the worker whose session Chromium (tests/ui) is driven by Playwright's sync API, which
    marks its loop as this thread's running loop while it is idle between calls; pytest-asyncio
    refuses to start a loop then. The mark is lifted for the test and put back after it."""
    borrowed = asyncio._get_running_loop()
    asyncio._set_running_loop(None)
    yield
    asyncio._set_running_loop(borrowed)


class TestVecStoreLabStandard(VectorStoreIntegrationTests):
    """LangChain's sync and async vector-store suites, on a fresh collection per test."""

    @pytest.fixture
    def vectorstore(self, tmp_path: Path) -> Iterator[VectorStore]:
        embeddings = self.get_embeddings()
        db = vl.connect(tmp_path, embedding_cache=False)
        collection = db.create_collection("lc", embedder=LangChainEmbedder(embeddings))
        return VecStoreLab(collection, embeddings)


ARTICLES = [
    ("loops", "Use break to stop a for loop early; continue skips to the next item.", "control"),
    ("files", "Open a file with open() and a with block so it is closed for you.", "io"),
    ("dicts", "A dict maps keys to values; get() returns a default for a missing key.", "types"),
    ("lists", "A list keeps items in order; append() adds one at the end.", "types"),
    ("errors", "try and except catch an error; finally runs whatever happens.", "control"),
]


@pytest.fixture(scope="module")
def articles(tmp_path_factory: pytest.TempPathFactory) -> vl.Collection:
    db = vl.connect(tmp_path_factory.mktemp("articles"), embedder=vl.HashEmbedder(dim=64))
    c = db.create_collection("articles")
    c.add(
        ids=[a[0] for a in ARTICLES],
        texts=[a[1] for a in ARTICLES],
        metadatas=[{"topic": a[2]} for a in ARTICLES],
    )
    return c


_ARTICLES: dict[str, vl.Collection] = {}


class TestQuerySpecRetrieverStandard(RetrieversIntegrationTests):
    """LangChain's retriever suite on a hybrid QuerySpec."""

    @pytest.fixture(autouse=True)
    def _collection(self, articles: vl.Collection) -> None:
        _ARTICLES["c"] = articles

    @property
    def retriever_constructor(self) -> type[QuerySpecRetriever]:
        return QuerySpecRetriever

    @property
    def retriever_constructor_params(self) -> dict[str, Any]:
        return {"collection": _ARTICLES["c"], "spec": vl.QuerySpec(mode="hybrid")}

    @property
    def retriever_query_example(self) -> str:
        return "how do I stop a loop"


def test_keys_map_one_to_one() -> None:
    for key in ["id", "text", "vector", "lc_id", "lc_lc_x", "source", "page"]:
        assert langchain_key(store_key(key)) == key
    assert store_key("id") == "lc_id" and store_key("source") == "source"
    assert len({store_key(k) for k in ["id", "lc_id", "lc_lc_id"]}) == 3


def test_retriever_returns_what_the_collection_returns_with_the_breakdown(
    articles: vl.Collection,
) -> None:
    spec = vl.QuerySpec(mode="hybrid", k=3)
    retriever = QuerySpecRetriever(collection=articles, spec=spec)
    docs = retriever.invoke("stop a loop early")
    hits = articles.search(spec.replace(text="stop a loop early"))
    assert [d.id for d in docs] == hits.ids
    top = docs[0].metadata
    assert top["topic"] == hits[0].metadata["topic"]
    assert top["vecstore_lab"]["score"] == pytest.approx(hits[0].score)
    assert top["vecstore_lab"]["rank"] == 1
    # hybrid: the vector and the full-text stages both show in the breakdown
    assert {"vector_rank", "fts_rank", "fused_score"} <= set(top["vecstore_lab"]["breakdown"])
    narrowed = retriever.invoke("stop a loop early", where={"topic": "types"})
    assert narrowed and {d.metadata["topic"] for d in narrowed} == {"types"}


def test_filters_and_reserved_keys_round_trip(tmp_path: Path) -> None:
    store = VecStoreLab.from_texts(
        ["alpha one", "beta two", "gamma three"],
        as_embeddings(vl.HashEmbedder(dim=32)),
        metadatas=[{"id": 1, "lang": "en"}, {"id": 2, "lang": "de"}, {"id": 3, "lang": "en"}],
        ids=["a", "b", "c"],
        uri=str(tmp_path),
    )
    assert "lc_id" in store.collection.metadata_schema.names  # stored under the mapped name
    docs = store.similarity_search("beta two", k=3, filter={"id": {"$gte": 2}})
    assert {d.id for d in docs} == {"b", "c"}
    assert docs[0] == Document(page_content="beta two", metadata={"id": 2, "lang": "de"}, id="b")
    mmr = store.max_marginal_relevance_search("alpha one", k=2, fetch_k=3, filter={"lang": "en"})
    assert [d.id for d in mmr] == ["a", "c"]
    store.delete()
    assert store.collection.count() == 0
