"""Every exception vecstore-lab raises, in one tree.

::

    VecStoreError
    ├── InvalidInputError (ValueError)          bad arguments or data; nothing was written
    │   ├── DimensionMismatchError              vector length differs from the collection's dim
    │   ├── InvalidVectorError                  NaN/inf, non-numeric or ragged vectors
    │   ├── InvalidTextError                    empty, missing or non-string document text
    │   ├── InvalidIdError                      empty or non-string ids, length mismatches
    │   ├── DuplicateIdError                    an id repeated in a batch, or already stored
    │   ├── InvalidMetadataError                metadata that cannot be stored
    │   │   └── MetadataTypeError (TypeError)   a value's type conflicts with its column
    │   └── InvalidFilterError                  a malformed filter, unknown field or bad type
    ├── IdNotFoundError (LookupError)           update of an id that is not stored
    ├── CollectionNotFoundError (LookupError)
    ├── CollectionExistsError
    ├── ReadOnlyCollectionError                 a write to a checked-out (historic) version
    ├── PathOutsideRootsError                   a server path outside its configured roots
    ├── EmbedderError                           an embedder failed or is unusable
    ├── RerankerError                           a reranker failed or returned unusable scores
    ├── IngestError                             add_documents failed part-way (has .report)
    ├── UnknownComponentError (LookupError)     no embedder/reranker registered under a name
    ├── MissingDependencyError (ImportError)    an optional package is not installed
    ├── BundleNotBuiltError (FileNotFoundError) a widget's JavaScript bundle is missing
    └── StorageError                            LanceDB failed underneath us
        ├── ConcurrentChangeError               another writer changed the data mid-operation
        └── DataCorruptionError                 files missing, truncated or failing checks

    IndexUpkeepWarning (UserWarning)            index upkeep after a committed write failed;
                                                the write stands, upkeep is retried later
    UnjudgedHitsWarning (UserWarning)           ungraded hits could change which
                                                configuration evaluate() finds best
    QueryEncoderWarning (UserWarning)           a faster query encoder was asked for but not
                                                used; the model answers queries

A message says what failed, what was expected, what was received and how to fix it. Errors
raised because a lower layer failed are chained (``raise ... from exc``).
"""

from __future__ import annotations

__all__ = [
    "BundleNotBuiltError",
    "CollectionExistsError",
    "CollectionNotFoundError",
    "ConcurrentChangeError",
    "DataCorruptionError",
    "DimensionMismatchError",
    "DuplicateIdError",
    "EmbedderError",
    "IdNotFoundError",
    "IndexUpkeepWarning",
    "IngestError",
    "InvalidFilterError",
    "InvalidIdError",
    "InvalidInputError",
    "InvalidMetadataError",
    "InvalidTextError",
    "InvalidVectorError",
    "MetadataTypeError",
    "MissingDependencyError",
    "PathOutsideRootsError",
    "QueryEncoderWarning",
    "ReadOnlyCollectionError",
    "RerankerError",
    "StorageError",
    "UnjudgedHitsWarning",
    "UnknownComponentError",
    "VecStoreError",
]


class VecStoreError(Exception):
    """Base class of every error raised by vecstore-lab."""


class InvalidInputError(VecStoreError, ValueError):
    """Arguments or data were rejected before anything was written."""


class DimensionMismatchError(InvalidInputError):
    """A vector's length differs from the collection's (or embedder's) dimension."""

    def __init__(self, message: str, *, expected: int | None = None, got: int | None = None):
        super().__init__(message)
        self.expected = expected
        self.got = got


class InvalidVectorError(InvalidInputError):
    """A vector holds NaN/inf, is not numeric, or rows have different lengths."""


class InvalidTextError(InvalidInputError):
    """Document text is empty, missing or not a string."""


class InvalidIdError(InvalidInputError):
    """An id is empty or not a string, or the number of ids does not match the data."""


class DuplicateIdError(InvalidInputError):
    """An id appears twice in one batch, or ``add`` was given an id that is already stored."""

    def __init__(self, message: str, *, ids: list[str] | None = None):
        super().__init__(message)
        self.ids = ids or []


class InvalidMetadataError(InvalidInputError):
    """Metadata cannot be stored (reserved or malformed key, nested value, not a dict)."""


class MetadataTypeError(InvalidMetadataError, TypeError):
    """A metadata value's type conflicts with the type its column already has."""


class InvalidFilterError(InvalidInputError):
    """A filter is malformed, names an unknown field, or compares a field with a wrong type.

    ``position`` is the 0-based character offset in a string filter where the problem is,
    or ``None`` for dict filters (the message names the offending key path instead).
    """

    def __init__(self, message: str, *, position: int | None = None):
        super().__init__(message)
        self.position = position


class IdNotFoundError(VecStoreError, LookupError):
    """An operation needs ids that are not stored in the collection."""

    def __init__(self, message: str, *, ids: list[str] | None = None):
        super().__init__(message)
        self.ids = ids or []


class CollectionNotFoundError(VecStoreError, LookupError):
    """No collection of that name exists in the database."""


class CollectionExistsError(VecStoreError):
    """A collection of that name already exists (pass ``exist_ok=True`` to open it)."""


class ReadOnlyCollectionError(VecStoreError):
    """A write was attempted on a collection checked out at a historic version."""


class PathOutsideRootsError(VecStoreError):
    """A path given to the server extension is absolute, climbs out with "..", or resolves
    (symlinks) outside the roots it may read."""


class EmbedderError(VecStoreError):
    """An embedder failed, returned bad output, or is missing where one is needed."""


class RerankerError(VecStoreError):
    """A reranker failed, or returned scores that cannot rank the hits (wrong count, NaN)."""


class IngestError(VecStoreError):
    """``add_documents`` failed part-way; ``report`` says exactly what was committed.

    Everything in ``report`` is stored; the batch that failed is not. Re-running the same
    ingest resumes: committed chunks are skipped without being embedded again.
    """

    def __init__(self, message: str, *, report: object) -> None:
        super().__init__(message)
        self.report = report


class UnknownComponentError(VecStoreError, LookupError):
    """No embedder or reranker is registered under the requested name."""


class MissingDependencyError(VecStoreError, ImportError):
    """An optional dependency is not installed; the message names the pip extra."""


class BundleNotBuiltError(VecStoreError, FileNotFoundError):
    """A widget's JavaScript bundle was not built; the message gives the build command."""


class StorageError(VecStoreError):
    """The storage layer (LanceDB) failed; the original exception is chained."""


class ConcurrentChangeError(StorageError):
    """Another writer changed the collection while an operation read or wrote it; what is
    stored is consistent, and running the operation again sees the new version."""


class DataCorruptionError(StorageError):
    """A collection's files are missing, truncated, unreadable or fail their checksums.

    ``collection.verify()`` says which; ``restore()`` an earlier version or re-ingest."""


class UnjudgedHitsWarning(UserWarning):
    """Hits nobody has graded yet could change which configuration ``evaluate`` finds best:
    grade them (``Judgements``, the JudgeWidget), or read the comparison as provisional."""


class IndexUpkeepWarning(UserWarning):
    """Index upkeep (``optimize``) after a committed write failed. The write stands; the
    upkeep is retried after the next write or by ``optimize()``, and ``stats()`` shows it."""


class QueryEncoderWarning(UserWarning):
    """A faster query encoder (``query_backend="onnx-int8"``…) was asked for but not used: it
    could not be built, or its vectors did not agree with the model's closely enough. Queries
    go through the model itself; ``embedder.query_report`` says why."""
