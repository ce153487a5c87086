"""LangChain over a collection: a ``VectorStore`` and a retriever that runs a whole QuerySpec.

``VecStoreLab`` is a LangChain ``VectorStore`` (add, upsert by id, delete, ``get_by_ids``,
similarity search with scores and filters, MMR; the async variants run these in LangChain's
executor). ``QuerySpecRetriever`` runs the QuerySpec you tuned in a notebook (hybrid fusion,
rerankers, filters) and returns ``Document``s whose metadata carries each hit's score
breakdown under ``"vecstore_lab"``::

    from vecstore_lab.integrations.langchain import QuerySpecRetriever

    retriever = QuerySpecRetriever(collection=articles, spec=tuned_spec)
    retriever.invoke("how do I stop a loop early")

LangChain metadata keys map to the collection's metadata columns unchanged, so filters, the
widgets and SQL see them. The three names a collection reserves for itself (``id``, ``text``,
``vector``) are stored as ``lc_id``, ``lc_text``, ``lc_vector``, and a key that itself starts
with ``lc_`` gains one more ``lc_``: the mapping is one to one, and LangChain always sees the
original keys (in filters too). Metadata values that are ``None`` are not stored.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.retrievers import BaseRetriever
from langchain_core.vectorstores import VectorStore
from langchain_core.vectorstores.utils import maximal_marginal_relevance
from pydantic import ConfigDict, Field

from vecstore_lab._schema import RESERVED
from vecstore_lab.collection import Collection  # noqa: TC001 (pydantic reads the field type)
from vecstore_lab.database import connect
from vecstore_lab.spec import QuerySpec

if TYPE_CHECKING:
    from langchain_core.callbacks import CallbackManagerForRetrieverRun

    from vecstore_lab.embedders import Embedder
    from vecstore_lab.results import Hit

__all__ = ["LangChainEmbedder", "QuerySpecRetriever", "VecStoreLab", "as_embeddings"]

ESCAPE = "lc_"
BREAKDOWN_KEY = "vecstore_lab"


def store_key(key: str) -> str:
    """The column a LangChain metadata key is stored in (one to one)."""
    return ESCAPE + key if key in RESERVED or key.startswith(ESCAPE) else key


def langchain_key(column: str) -> str:
    """The LangChain metadata key a column holds (the inverse of ``store_key``)."""
    return column[len(ESCAPE) :] if column.startswith(ESCAPE) else column


def stored_filter(where: Any) -> Any:
    """A dict filter with its field names mapped as ``store_key`` maps them."""
    if isinstance(where, Mapping):
        return {
            k if k.startswith("$") else store_key(k): stored_filter(v) for k, v in where.items()
        }
    if isinstance(where, list):
        return [stored_filter(v) for v in where]
    return where


def _metadata(hit: Hit) -> dict[str, Any]:
    return {langchain_key(k): v for k, v in hit.metadata.items() if v is not None}


class LangChainEmbedder:
    """A LangChain ``Embeddings`` as a vecstore-lab ``Embedder``.

    Its config cannot rebuild it: reopen the collection through ``VecStoreLab`` (or pass
    ``embedder=`` to ``get_collection``).
    """

    name = "langchain"

    def __init__(self, embeddings: Embeddings, dim: int | None = None) -> None:
        self.embeddings = embeddings
        self._dim = dim if dim is not None else len(embeddings.embed_query("dimension probe"))

    @property
    def dim(self) -> int:
        return self._dim

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        out = self.embeddings.embed_documents(list(texts))
        return np.asarray(out, dtype=np.float32).reshape(len(texts), self._dim)

    def embed_query(self, text: str) -> np.ndarray:
        return np.asarray(self.embeddings.embed_query(text), dtype=np.float32)

    def config(self) -> dict[str, Any]:
        return {"class": f"{type(self.embeddings).__module__}.{type(self.embeddings).__name__}"}


class _CollectionEmbeddings(Embeddings):
    """A collection's own embedder, seen by LangChain as ``Embeddings``."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embedder.embed_documents(texts).tolist()  # type: ignore[no-any-return]

    def embed_query(self, text: str) -> list[float]:
        return self.embedder.embed_query(text).tolist()  # type: ignore[no-any-return]


def as_embeddings(embedder: Embedder) -> Embeddings:
    """A vecstore-lab embedder as a LangChain ``Embeddings``."""
    if isinstance(embedder, LangChainEmbedder):
        return embedder.embeddings
    return _CollectionEmbeddings(embedder)


class VecStoreLab(VectorStore):
    """A LangChain vector store over a collection.

    ``VecStoreLab(collection)`` uses the collection's own embedder. ``embedding=`` embeds
    with a LangChain ``Embeddings`` instead (its dim must match the collection's). Adding a
    document whose id is stored replaces it, as LangChain expects.
    """

    def __init__(self, collection: Collection, embedding: Embeddings | None = None) -> None:
        if embedding is None and collection.embedder is None:
            raise ValueError("the collection has no embedder: pass embedding=")
        self.collection = collection
        self._embedder: Embedder = (
            LangChainEmbedder(embedding, collection.dim)
            if embedding is not None
            else collection.embedder  # type: ignore[assignment]
        )

    @property
    def embeddings(self) -> Embeddings:
        return as_embeddings(self._embedder)

    @classmethod
    def from_texts(
        cls,
        texts: list[str],
        embedding: Embeddings,
        metadatas: list[dict[Any, Any]] | None = None,
        *,
        ids: list[str] | None = None,
        uri: str = "vecstore_data",
        collection_name: str = "langchain",
        **kwargs: Any,
    ) -> VecStoreLab:
        """A new collection ``collection_name`` in the database at ``uri``, with ``texts``."""
        embedder = LangChainEmbedder(embedding)
        db = connect(uri, storage_options=kwargs.pop("storage_options", None))
        collection = db.create_collection(collection_name, embedder=embedder, **kwargs)
        store = cls(collection, embedding)
        store.add_texts(texts, metadatas, ids=ids)
        return store

    # -- writes ---------------------------------------------------------------------------
    def add_texts(
        self,
        texts: Iterable[str],
        metadatas: list[dict[Any, Any]] | None = None,
        *,
        ids: list[str] | None = None,
        **kwargs: Any,
    ) -> list[str]:
        texts = list(texts)
        if ids is None:
            ids = [str(uuid.uuid4()) for _ in texts]
        ids = [i if i is not None else str(uuid.uuid4()) for i in ids]
        metas = [
            {store_key(str(k)): v for k, v in (m or {}).items() if v is not None}
            for m in (metadatas or [{}] * len(texts))
        ]
        if not texts:
            return []
        vectors = self._embedder.embed_documents(texts)
        self.collection.upsert(ids=ids, texts=texts, vectors=vectors, metadatas=metas)
        return ids

    def delete(self, ids: list[str] | None = None, **kwargs: Any) -> bool | None:
        """Delete ``ids`` (missing ones are ignored); ``None`` deletes every document."""
        if ids is None:
            ids = self.collection.get(select=[]).ids
        if ids:
            self.collection.delete(ids=list(dict.fromkeys(ids)))
        return True

    def get_by_ids(self, ids: Sequence[str], /) -> list[Document]:
        found = self.collection.get(ids=list(dict.fromkeys(ids)))
        by_id = {r.id: r for r in found}
        return [self._document(by_id[i]) for i in ids if i in by_id]

    # -- search ---------------------------------------------------------------------------
    def _search(self, vector: Any, k: int, filter: Any, **kwargs: Any) -> list[Hit]:
        spec = QuerySpec(
            vector=np.asarray(vector, dtype=np.float32),
            k=k,
            where=stored_filter(filter),
            include_vectors=kwargs.pop("include_vectors", False),
        )
        return list(self.collection.search(spec))

    def similarity_search_with_score(
        self, query: str, k: int = 4, filter: Any = None, **kwargs: Any
    ) -> list[tuple[Document, float]]:
        """Documents and scores, higher is better (cosine similarity for cosine)."""
        vector = self._embedder.embed_query(query)
        return [(self._document(h), h.score) for h in self._search(vector, k, filter)]

    def similarity_search(
        self, query: str, k: int = 4, filter: Any = None, **kwargs: Any
    ) -> list[Document]:
        return [doc for doc, _ in self.similarity_search_with_score(query, k, filter)]

    def similarity_search_by_vector(
        self, embedding: list[float], k: int = 4, filter: Any = None, **kwargs: Any
    ) -> list[Document]:
        return [self._document(h) for h in self._search(embedding, k, filter)]

    def max_marginal_relevance_search_by_vector(
        self,
        embedding: list[float],
        k: int = 4,
        fetch_k: int = 20,
        lambda_mult: float = 0.5,
        filter: Any = None,
        **kwargs: Any,
    ) -> list[Document]:
        hits = self._search(embedding, max(fetch_k, k), filter, include_vectors=True)
        if not hits:
            return []
        chosen = maximal_marginal_relevance(
            np.asarray(embedding, dtype=np.float32),
            [h.vector.tolist() for h in hits if h.vector is not None],
            k=min(k, len(hits)),
            lambda_mult=lambda_mult,
        )
        return [self._document(hits[i]) for i in chosen]

    def max_marginal_relevance_search(
        self,
        query: str,
        k: int = 4,
        fetch_k: int = 20,
        lambda_mult: float = 0.5,
        filter: Any = None,
        **kwargs: Any,
    ) -> list[Document]:
        vector = self._embedder.embed_query(query).tolist()
        return self.max_marginal_relevance_search_by_vector(vector, k, fetch_k, lambda_mult, filter)

    def _select_relevance_score_fn(self) -> Callable[[float], float]:
        # Scores are already higher-is-better: cosine similarity, 1 / (1 + squared L2), or
        # the dot product.
        return lambda score: score

    @staticmethod
    def _document(row: Any) -> Document:
        return Document(page_content=row.text or "", metadata=_metadata(row), id=row.id)


class QuerySpecRetriever(BaseRetriever):
    """Runs a QuerySpec with the query text; ``k`` (here or in ``invoke``) overrides its k.

    Each ``Document``'s metadata holds the hit's metadata and, under ``"vecstore_lab"``, its
    ``score``, ``rank`` and ``breakdown`` (each stage's score and rank: vector, full text,
    fusion, reranker). Other keyword arguments of ``invoke`` replace QuerySpec fields, e.g.
    ``where=``.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    collection: Collection
    spec: QuerySpec = Field(default_factory=QuerySpec)
    k: int | None = None

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[Document]:
        k = kwargs.pop("k", None) or self.k or self.spec.k
        if "where" in kwargs:
            kwargs["where"] = stored_filter(kwargs["where"])
        results = self.collection.search(self.spec.replace(text=query, k=k, **kwargs))
        return [
            Document(
                page_content=hit.text or "",
                id=hit.id,
                metadata={
                    **_metadata(hit),
                    BREAKDOWN_KEY: {
                        "score": hit.score,
                        "rank": hit.rank,
                        "breakdown": hit.breakdown,
                    },
                },
            )
            for hit in results
        ]
