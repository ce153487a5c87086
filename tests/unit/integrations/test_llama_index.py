"""The LlamaIndex adapter through llama-index-core's own flow, with no LLM: an index built on
the store, reopened with ``from_vector_store``, retrievers with metadata filters, node
postprocessing, hybrid mode and deletion by source document."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("llama_index.core")

from llama_index.core import Document, StorageContext, VectorStoreIndex
from llama_index.core.postprocessor import SimilarityPostprocessor
from llama_index.core.schema import TextNode
from llama_index.core.vector_stores.types import (
    FilterCondition,
    FilterOperator,
    MetadataFilter,
    MetadataFilters,
    VectorStoreQuery,
    VectorStoreQueryMode,
)

import vecstore_lab as vl
from vecstore_lab.integrations.llama_index import (
    VecStoreLabVectorStore,
    as_embed_model,
    llama_key,
    store_key,
)

DOCS = [
    ("loops", "Use break to stop a for loop early. continue skips to the next item.", "control", 2),
    ("files", "Open a file with open() in a with block so that it is closed for you.", "io", 1),
    ("dicts", "A dict maps keys to values. get() returns a default for a missing key.", "types", 3),
    ("errors", "try and except catch an error. finally runs whatever happens.", "control", 5),
]


@pytest.fixture
def collection(tmp_path: Path) -> vl.Collection:
    db = vl.connect(tmp_path, embedder=vl.HashEmbedder(dim=64), embedding_cache=False)
    return db.create_collection("llama")


@pytest.fixture
def index(collection: vl.Collection) -> VectorStoreIndex:
    store = VecStoreLabVectorStore(collection)
    documents = [
        Document(text=text, doc_id=doc_id, metadata={"topic": topic, "level": level})
        for doc_id, text, topic, level in DOCS
    ]
    return VectorStoreIndex.from_documents(
        documents,
        storage_context=StorageContext.from_defaults(vector_store=store),
        embed_model=as_embed_model(collection),
    )


def test_an_index_writes_nodes_as_rows_and_reopens_from_the_store(
    index: VectorStoreIndex, collection: vl.Collection
) -> None:
    assert collection.count() == len(DOCS)
    row = collection.get(where={"ref_doc_id": "loops"})[0]
    assert row.text.startswith("Use break") and row.metadata["topic"] == "control"
    assert "li__node_content" in collection.metadata_schema.names  # LlamaIndex's own fields
    reopened = VectorStoreIndex.from_vector_store(
        VecStoreLabVectorStore(collection), embed_model=as_embed_model(collection)
    )
    nodes = reopened.as_retriever(similarity_top_k=2).retrieve("how do I stop a loop early")
    assert nodes[0].node.ref_doc_id == "loops"
    assert nodes[0].node.metadata == {"topic": "control", "level": 2}
    # the similarity is the collection's own score for that hit
    hits = collection.query("how do I stop a loop early", k=2)
    assert [n.node.node_id for n in nodes] == hits.ids
    assert nodes[0].score == pytest.approx(hits[0].score)


def test_filters_and_postprocessing(index: VectorStoreIndex) -> None:
    control = MetadataFilters(filters=[MetadataFilter(key="topic", value="control")])
    got = index.as_retriever(similarity_top_k=4, filters=control).retrieve("an error")
    assert {n.node.ref_doc_id for n in got} == {"loops", "errors"}
    either = MetadataFilters(
        filters=[
            MetadataFilter(key="level", value=3, operator=FilterOperator.GTE),
            MetadataFilter(key="topic", value=["io"], operator=FilterOperator.IN),
        ],
        condition=FilterCondition.OR,
    )
    got = index.as_retriever(similarity_top_k=4, filters=either).retrieve("a file")
    assert {n.node.ref_doc_id for n in got} == {"files", "dicts", "errors"}
    ranked = index.as_retriever(similarity_top_k=4).retrieve("stop a loop early")
    kept = SimilarityPostprocessor(similarity_cutoff=ranked[1].score).postprocess_nodes(ranked)
    assert [n.node.node_id for n in kept] == [n.node.node_id for n in ranked[:2]]


def test_hybrid_mode_delete_by_document_and_get_nodes(
    index: VectorStoreIndex, collection: vl.Collection
) -> None:
    store = index.vector_store
    embed = as_embed_model(collection)
    query = VectorStoreQuery(
        query_str="finally",
        query_embedding=embed.get_query_embedding("finally"),
        similarity_top_k=2,
        mode=VectorStoreQueryMode.HYBRID,
    )
    result = store.query(query)
    top = collection.search(vl.QuerySpec(text="finally", mode="hybrid", k=2))
    assert result.ids == top.ids and collection.get(ids=result.ids[:1])[0].text.startswith("try")
    index.delete_ref_doc("errors")
    assert collection.count() == len(DOCS) - 1
    nodes = store.get_nodes(
        filters=MetadataFilters(filters=[MetadataFilter(key="topic", value="io")])
    )
    assert [n.ref_doc_id for n in nodes] == ["files"] and nodes[0].embedding is not None
    store.delete_nodes(node_ids=[nodes[0].node_id])
    store.add([TextNode(text="a new node", id_="n1", embedding=embed.get_text_embedding("x"))])
    assert sorted(collection.get(select=[]).ids)[-1] == "n1"
    store.clear()
    assert collection.count() == 0


def test_keys_map_one_to_one() -> None:
    for key in ["_node_content", "id", "text", "li_x", "li__y", "ref_doc_id", "9lives"]:
        assert llama_key(store_key(key)) == key
    assert store_key("topic") == "topic" and store_key("_node_type") == "li__node_type"


def test_rows_written_by_the_collection_read_as_text_nodes(collection: vl.Collection) -> None:
    collection.add(
        ids=["a", "b"],
        texts=["stop a loop with break", "open a file"],
        metadatas=[{"topic": "control"}, {"topic": "io"}],
    )
    index = VectorStoreIndex.from_vector_store(
        VecStoreLabVectorStore(collection), embed_model=as_embed_model(collection)
    )
    (hit,) = index.as_retriever(similarity_top_k=1).retrieve("loop break")
    assert (hit.node.node_id, hit.node.get_content(), hit.node.metadata) == (
        "a",
        "stop a loop with break",
        {"topic": "control"},
    )


def test_an_operator_without_an_equivalent_is_a_typed_error() -> None:
    from vecstore_lab.errors import InvalidFilterError
    from vecstore_lab.integrations.llama_index import to_filter

    insensitive = MetadataFilter(key="t", value="x", operator=FilterOperator.TEXT_MATCH_INSENSITIVE)
    with pytest.raises(InvalidFilterError, match=r"text_match_insensitive.*supported: "):
        to_filter(MetadataFilters(filters=[insensitive]))
