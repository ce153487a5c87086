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

from importlib import import_module as _import_module
from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

if _TYPE_CHECKING:  # the same names, for type checkers and readers; at run time they load lazily
    from vecstore_lab import datasets, errors, rerankers, telemetry
    from vecstore_lab.analytics import sql
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

# Each public name -> the module that defines it. `import vecstore_lab` stays cheap (no pandas,
# no LanceDB, no model SDK: a command such as `vecstore-lab info` starts in well under a
# second); a name's module loads on first use and the name is then kept in this namespace.
_LAZY = {
    "ColBERTReranker": "vecstore_lab.rerankers",
    "Collection": "vecstore_lab.collection",
    "CollectionExistsError": "vecstore_lab.errors",
    "CollectionNotFoundError": "vecstore_lab.errors",
    "ConcurrentChangeError": "vecstore_lab.errors",
    "CrossEncoderReranker": "vecstore_lab.rerankers",
    "DimensionMismatchError": "vecstore_lab.errors",
    "Document": "vecstore_lab.splitter",
    "DuplicateIdError": "vecstore_lab.errors",
    "Embedder": "vecstore_lab.embedders",
    "EmbedderError": "vecstore_lab.errors",
    "FunctionReranker": "vecstore_lab.rerankers",
    "Fuser": "vecstore_lab.rerankers",
    "HashEmbedder": "vecstore_lab.embedders",
    "Hit": "vecstore_lab.results",
    "IdNotFoundError": "vecstore_lab.errors",
    "IngestError": "vecstore_lab.errors",
    "IngestReport": "vecstore_lab.ingest",
    "InvalidFilterError": "vecstore_lab.errors",
    "InvalidInputError": "vecstore_lab.errors",
    "Judgements": "vecstore_lab.eval.judgements",
    "LinearCombinationReranker": "vecstore_lab.rerankers",
    "MMRReranker": "vecstore_lab.rerankers",
    "OpenAIEmbedder": "vecstore_lab.embedders",
    "QueryResults": "vecstore_lab.results",
    "QuerySpec": "vecstore_lab.spec",
    "RRFReranker": "vecstore_lab.rerankers",
    "Reasons": "vecstore_lab.reasons",
    "Record": "vecstore_lab.results",
    "RecordSet": "vecstore_lab.results",
    "RecursiveCharacterTextSplitter": "vecstore_lab.splitter",
    "Reranker": "vecstore_lab.rerankers",
    "RerankerError": "vecstore_lab.errors",
    "SentenceTransformerEmbedder": "vecstore_lab.embedders",
    "VecDatabase": "vecstore_lab.database",
    "VecStoreError": "vecstore_lab.errors",
    "VersionInfo": "vecstore_lab.collection",
    "compile_filter": "vecstore_lab.filters",
    "connect": "vecstore_lab.database",
    "datasets": "vecstore_lab",
    "errors": "vecstore_lab",
    "get_embedder": "vecstore_lab.embedders",
    "get_reranker": "vecstore_lab.rerankers",
    "list_embedders": "vecstore_lab.embedders",
    "list_rerankers": "vecstore_lab.rerankers",
    "load_documents": "vecstore_lab.loaders",
    "load_python_reference": "vecstore_lab.datasets",
    "load_sample_documents": "vecstore_lab.datasets",
    "register_embedder": "vecstore_lab.embedders",
    "register_reranker": "vecstore_lab.rerankers",
    "rerankers": "vecstore_lab",
    "sql": "vecstore_lab.analytics",
    "telemetry": "vecstore_lab",
}


def _installed_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("vecstore-lab")
    except PackageNotFoundError:  # pragma: no cover - a source tree without install
        return "0.0.0"


def __getattr__(name: str) -> _Any:
    module = _LAZY.get(name)
    if name == "__version__":  # read from the installed metadata on first use (it takes a while)
        value: _Any = _installed_version()
    elif module is not None and module != "vecstore_lab":
        value = getattr(_import_module(module), name)
    elif name.startswith("_"):
        raise AttributeError(f"module 'vecstore_lab' has no attribute {name!r}")
    else:  # a subpackage (``vl.embedders``, ``vl.eval``), as after an eager import
        try:
            value = _import_module(f"vecstore_lab.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"vecstore_lab.{name}":
                raise
            raise AttributeError(f"module 'vecstore_lab' has no attribute {name!r}") from None
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


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
    "sql",
    "telemetry",
]
