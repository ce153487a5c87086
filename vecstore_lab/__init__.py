"""vecstore-lab: build, inspect and tune semantic search on LanceDB from a notebook.

Examples:
    >>> import vecstore_lab as vl
    >>> db = vl.connect(tmp_path / "quick", embedder=vl.HashEmbedder(dim=32))
    >>> docs = db.create_collection("docs")
    >>> _ = docs.add(ids=["1", "2"], texts=["cats purr", "markets fell"],
    ...              metadatas=[{"topic": "pets"}, {"topic": "finance"}])
    >>> docs.query("cats", k=1, where={"topic": "pets"})[0].id
    '1'
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError as _PackageNotFoundError
from importlib.metadata import version as _version

from vecstore_lab import datasets, errors, rerankers, telemetry
from vecstore_lab.collection import Collection, VersionInfo
from vecstore_lab.database import VecDatabase, connect
from vecstore_lab.datasets import load_python_reference, load_sample_documents
from vecstore_lab.embedders import (
    Embedder,
    HashEmbedder,
    OpenAIEmbedder,
    SentenceTransformerEmbedder,
    get_embedder,
    list_embedders,
    register_embedder,
)
from vecstore_lab.errors import (
    CollectionExistsError,
    CollectionNotFoundError,
    ConcurrentChangeError,
    DimensionMismatchError,
    DuplicateIdError,
    EmbedderError,
    IdNotFoundError,
    IngestError,
    InvalidFilterError,
    InvalidInputError,
    RerankerError,
    VecStoreError,
)
from vecstore_lab.eval.judgements import Judgements
from vecstore_lab.filters import compile_filter
from vecstore_lab.ingest import IngestReport
from vecstore_lab.loaders import load_documents
from vecstore_lab.reasons import Reasons
from vecstore_lab.rerankers import (
    ColBERTReranker,
    CrossEncoderReranker,
    FunctionReranker,
    Fuser,
    LinearCombinationReranker,
    MMRReranker,
    Reranker,
    RRFReranker,
    get_reranker,
    list_rerankers,
    register_reranker,
)
from vecstore_lab.results import Hit, QueryResults, Record, RecordSet
from vecstore_lab.spec import QuerySpec
from vecstore_lab.splitter import Document, RecursiveCharacterTextSplitter

try:
    __version__ = _version("vecstore-lab")
except _PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"

__all__ = [
    "ColBERTReranker",
    "Collection",
    "CollectionExistsError",
    "CollectionNotFoundError",
    "ConcurrentChangeError",
    "CrossEncoderReranker",
    "DimensionMismatchError",
    "Document",
    "DuplicateIdError",
    "Embedder",
    "EmbedderError",
    "FunctionReranker",
    "Fuser",
    "HashEmbedder",
    "Hit",
    "IdNotFoundError",
    "IngestError",
    "IngestReport",
    "InvalidFilterError",
    "InvalidInputError",
    "Judgements",
    "LinearCombinationReranker",
    "MMRReranker",
    "OpenAIEmbedder",
    "QueryResults",
    "QuerySpec",
    "RRFReranker",
    "Reasons",
    "Record",
    "RecordSet",
    "RecursiveCharacterTextSplitter",
    "Reranker",
    "RerankerError",
    "SentenceTransformerEmbedder",
    "VecDatabase",
    "VecStoreError",
    "VersionInfo",
    "__version__",
    "compile_filter",
    "connect",
    "datasets",
    "errors",
    "get_embedder",
    "get_reranker",
    "list_embedders",
    "list_rerankers",
    "load_documents",
    "load_python_reference",
    "load_sample_documents",
    "register_embedder",
    "register_reranker",
    "rerankers",
    "telemetry",
]
