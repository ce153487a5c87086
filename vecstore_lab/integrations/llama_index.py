"""LlamaIndex over a collection: a ``BasePydanticVectorStore``, and the collection's embedder as
a LlamaIndex embedding model.

::

    from llama_index.core import StorageContext, VectorStoreIndex
    from vecstore_lab.integrations.llama_index import VecStoreLabVectorStore, as_embed_model

    store = VecStoreLabVectorStore(collection)
    index = VectorStoreIndex.from_vector_store(store, embed_model=as_embed_model(collection))
    index.as_retriever(similarity_top_k=5).retrieve("how do I stop a loop early")

Nodes are rows: the node id is the row id, its text the row's text, its embedding the vector.
Rows the collection wrote itself (``add_documents`` in a notebook) read as ``TextNode``s with
the row's metadata, so a collection tuned in a notebook serves LlamaIndex as it is.
LlamaIndex's own fields (``_node_content``, ``_node_type``, ``ref_doc_id`` …) and the node's
metadata become metadata columns, so filters, the widgets and SQL see them. Keys a collection
cannot take as they are (``id``, ``text``, ``vector``, or not starting with a letter) are
stored with an ``li_`` prefix, as is a key that already starts with ``li_``: one to one, and
LlamaIndex sees its own keys. ``VectorStoreQueryMode.HYBRID`` runs the collection's hybrid
search (vectors and BM25, fused); ``alpha`` weighs them by linear fusion.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.schema import BaseNode, MetadataMode, TextNode
from llama_index.core.vector_stores.types import (
    BasePydanticVectorStore,
    FilterCondition,
    FilterOperator,
    MetadataFilter,
    MetadataFilters,
    VectorStoreQuery,
    VectorStoreQueryMode,
    VectorStoreQueryResult,
)
from llama_index.core.vector_stores.utils import metadata_dict_to_node, node_to_metadata_dict
from pydantic import PrivateAttr

from vecstore_lab._schema import RESERVED
from vecstore_lab.collection import Collection
from vecstore_lab.errors import InvalidFilterError
from vecstore_lab.spec import QuerySpec

if TYPE_CHECKING:
    from collections.abc import Sequence

    from vecstore_lab.embedders import Embedder

__all__ = ["CollectionEmbedding", "VecStoreLabVectorStore", "as_embed_model", "to_filter"]

ESCAPE = "li_"

_OPERATORS = {
    FilterOperator.EQ: "$eq",
    FilterOperator.NE: "$ne",
    FilterOperator.GT: "$gt",
    FilterOperator.GTE: "$gte",
    FilterOperator.LT: "$lt",
    FilterOperator.LTE: "$lte",
    FilterOperator.IN: "$in",
    FilterOperator.NIN: "$nin",
    FilterOperator.CONTAINS: "$contains",
    FilterOperator.TEXT_MATCH: "$contains",
}
#: Operators translated by shape rather than one to one (see ``_one``).
_SPECIAL = (FilterOperator.IS_EMPTY, FilterOperator.ANY, FilterOperator.ALL)


def store_key(key: str) -> str:
    """The column a LlamaIndex metadata key is stored in (one to one)."""
    plain = key[:1].isalpha() and key not in RESERVED and not key.startswith(ESCAPE)
    return key if plain else ESCAPE + key


def llama_key(column: str) -> str:
    """The LlamaIndex metadata key a column holds (the inverse of ``store_key``)."""
    return column[len(ESCAPE) :] if column.startswith(ESCAPE) else column


def _one(f: MetadataFilter) -> dict[str, Any]:
    key = store_key(f.key)
    if f.operator == FilterOperator.IS_EMPTY:
        return {key: {"$exists": False}}
    if f.operator == FilterOperator.ANY:
        return {"$or": [{key: {"$contains": v}} for v in f.value]}  # type: ignore[union-attr]
    if f.operator == FilterOperator.ALL:
        return {"$and": [{key: {"$contains": v}} for v in f.value]}  # type: ignore[union-attr]
    if f.operator not in _OPERATORS:
        supported = ", ".join(sorted(o.value for o in [*_OPERATORS, *_SPECIAL]))
        raise InvalidFilterError(
            f"LlamaIndex filter operator {f.operator.value!r} has no vecstore-lab equivalent "
            f"(supported: {supported})"
        )
    return {key: {_OPERATORS[f.operator]: f.value}}


def to_filter(filters: MetadataFilters | None) -> dict[str, Any] | None:
    """LlamaIndex ``MetadataFilters`` as a vecstore-lab dict filter."""
    if filters is None or not filters.filters:
        return None
    parts = [to_filter(f) if isinstance(f, MetadataFilters) else _one(f) for f in filters.filters]
    kept = [p for p in parts if p]
    if filters.condition == FilterCondition.NOT:
        return {"$not": {"$and": kept}}
    return {"$or" if filters.condition == FilterCondition.OR else "$and": kept}


class VecStoreLabVectorStore(BasePydanticVectorStore):
    """A LlamaIndex vector store over a collection (text stored; metadata flat)."""

    stores_text: bool = True
    flat_metadata: bool = True
    _collection: Collection = PrivateAttr()

    def __init__(self, collection: Collection, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._collection = collection

    @classmethod
    def class_name(cls) -> str:
        return "VecStoreLabVectorStore"

    @property
    def client(self) -> Collection:
        return self._collection

    # -- writes ---------------------------------------------------------------------------
    def add(self, nodes: Sequence[BaseNode], **kwargs: Any) -> list[str]:
        if not nodes:
            return []
        metadatas = [
            {
                store_key(k): v
                for k, v in node_to_metadata_dict(n, remove_text=True, flat_metadata=True).items()
                if v is not None
            }
            for n in nodes
        ]
        self._collection.upsert(
            ids=[n.node_id for n in nodes],
            texts=[n.get_content(metadata_mode=MetadataMode.NONE) for n in nodes],
            vectors=np.asarray([n.get_embedding() for n in nodes], dtype=np.float32),
            metadatas=metadatas,
        )
        return [n.node_id for n in nodes]

    def delete(self, ref_doc_id: str, **delete_kwargs: Any) -> None:
        """Delete every node of the source document ``ref_doc_id``."""
        if "ref_doc_id" in self._collection.metadata_schema.names:
            self._collection.delete(where={"ref_doc_id": ref_doc_id})

    def delete_nodes(
        self,
        node_ids: list[str] | None = None,
        filters: MetadataFilters | None = None,
        **delete_kwargs: Any,
    ) -> None:
        where = to_filter(filters)
        if node_ids is None and where is None:
            return
        self._collection.delete(ids=node_ids, where=where)

    def clear(self) -> None:
        ids = self._collection.get(select=[]).ids
        if ids:
            self._collection.delete(ids=ids)

    # -- reads ----------------------------------------------------------------------------
    def get_nodes(
        self, node_ids: list[str] | None = None, filters: MetadataFilters | None = None
    ) -> list[BaseNode]:
        rows = self._collection.get(ids=node_ids, where=to_filter(filters), include_vectors=True)
        return [self._node(r) for r in rows]

    def query(self, query: VectorStoreQuery, **kwargs: Any) -> VectorStoreQueryResult:
        where = to_filter(query.filters)
        narrow: dict[str, Any] = {}
        if query.doc_ids:
            narrow["ref_doc_id"] = {"$in": list(query.doc_ids)}
        if query.node_ids:
            narrow["id"] = {"$in": list(query.node_ids)}
        if narrow:
            where = {"$and": [w for w in (where, narrow) if w]}
        hybrid = query.mode == VectorStoreQueryMode.HYBRID and query.query_str
        fusion: Any = "rrf"
        if hybrid and query.alpha is not None:  # LlamaIndex's alpha: 1 is vectors only
            fusion = {"name": "linear", "config": {"alpha": query.alpha}}
        spec = QuerySpec(
            text=query.query_str if hybrid else None,
            vector=(
                np.asarray(query.query_embedding, dtype=np.float32)
                if query.query_embedding is not None
                else None
            ),
            k=query.hybrid_top_k or query.similarity_top_k if hybrid else query.similarity_top_k,
            mode="hybrid" if hybrid else "vector",
            where=where,
            fusion=fusion,
        )
        hits = list(self._collection.search(spec))
        return VectorStoreQueryResult(
            nodes=[self._node(h) for h in hits],
            similarities=[h.score for h in hits],
            ids=[h.id for h in hits],
        )

    @staticmethod
    def _node(row: Any) -> BaseNode:
        metadata = {llama_key(k): v for k, v in row.metadata.items() if v is not None}
        if "_node_content" in metadata:  # written through LlamaIndex: its node, as it was
            node = metadata_dict_to_node(metadata, text=row.text)
        else:  # a row the collection wrote itself (add, add_documents, ingest)
            node = TextNode(id_=row.id, text=row.text or "", metadata=metadata)
        if row.vector is not None:
            node.embedding = row.vector.tolist()
        return node


class CollectionEmbedding(BaseEmbedding):
    """A vecstore-lab embedder as a LlamaIndex embedding model, so that LlamaIndex embeds
    queries the way the collection embedded its documents."""

    _embedder: Embedder = PrivateAttr()

    def __init__(self, embedder: Embedder, **kwargs: Any) -> None:
        super().__init__(model_name=getattr(embedder, "name", "vecstore-lab"), **kwargs)
        self._embedder = embedder

    @classmethod
    def class_name(cls) -> str:
        return "CollectionEmbedding"

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._embedder.embed_query(query).tolist()  # type: ignore[no-any-return]

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._get_text_embeddings([text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._embedder.embed_documents(texts).tolist()  # type: ignore[no-any-return]

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)


def as_embed_model(source: Collection | Embedder) -> CollectionEmbedding:
    """A collection's embedder (or any vecstore-lab embedder) as a LlamaIndex model."""
    embedder = source.embedder if isinstance(source, Collection) else source
    if embedder is None:
        raise ValueError("the collection has no embedder")
    return CollectionEmbedding(embedder)
