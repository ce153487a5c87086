"""Table schemas: the fixed columns, persisted settings, and typed metadata columns."""

from __future__ import annotations

import datetime as dt
import json
import re
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pyarrow as pa

from vecstore_lab.errors import InvalidInputError, InvalidMetadataError, MetadataTypeError

Distance = Literal["cosine", "l2", "dot"]
DISTANCES: tuple[str, ...] = ("cosine", "l2", "dot")

ID, TEXT, VECTOR = "id", "text", "vector"
#: Optional (``create_collection(..., vector_checksums=True)``): CRC-32 of each row's float32
#: vector bytes, written with every row and checked when vectors are read in bulk. It starts
#: with "_" like the result columns, so it can never be a user's metadata key.
VECTOR_CHECKSUM = "_vector_crc32"
#: The only names the store owns. Whatever a query adds to its results (``_score``,
#: ``_distance``, ``_rank``, the breakdown) starts with "_", and metadata keys start with a
#: letter, so a user's ``score``, ``rank`` or ``distance`` column is stored and shown as is.
RESERVED = frozenset({ID, TEXT, VECTOR})
# -- result columns: what a query adds next to the stored ones -------------------------
SCORE, DISTANCE, RANK = "_score", "_distance", "_rank"
VECTOR_SCORE, VECTOR_RANK = "_vector_score", "_vector_rank"
FTS_SCORE, FTS_RANK = "_fts_score", "_fts_rank"
FUSED_SCORE, RERANK_SCORE = "_fused_score", "_rerank_score"
RETRIEVAL_RANK, RANK_CHANGE = "_retrieval_rank", "_rank_change"
#: Every result column and its type, in the order results carry them after the fields.
RESULT_COLUMNS: dict[str, pa.DataType] = {
    SCORE: pa.float64(),
    DISTANCE: pa.float64(),
    RANK: pa.int32(),
    VECTOR_SCORE: pa.float64(),
    VECTOR_RANK: pa.int32(),
    FTS_SCORE: pa.float64(),
    FTS_RANK: pa.int32(),
    FUSED_SCORE: pa.float64(),
    RERANK_SCORE: pa.float64(),
    RETRIEVAL_RANK: pa.int32(),
    RANK_CHANGE: pa.int32(),
}
#: The per-stage columns (null where a stage did not run); ``hit.breakdown`` drops the "_".
BREAKDOWN_COLUMNS: tuple[str, ...] = tuple(RESULT_COLUMNS)[3:]

SETTINGS_KEY = b"vecstore_lab"
#: Declares ``id`` the primary key, so Lance detects concurrent inserts of one new id.
PRIMARY_KEY_METADATA = {b"lance-schema:unenforced-primary-key": b"true"}
FORMAT_VERSION = 1
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_\-]*")  # fullmatch: "$" would let "id\n" through


@dataclass(frozen=True)
class CollectionSettings:
    """What a collection persists about itself in its table's schema metadata."""

    dim: int
    distance: str = "cosine"
    embedder: dict[str, Any] | None = None  # {"name": ..., "config": {...}}
    extra: dict[str, Any] = field(default_factory=dict)

    def to_bytes(self) -> bytes:
        payload = {
            "format": FORMAT_VERSION,
            "dim": self.dim,
            "distance": self.distance,
            "embedder": self.embedder,
            **({"extra": self.extra} if self.extra else {}),
        }
        return json.dumps(payload, sort_keys=True).encode()

    @classmethod
    def from_schema(cls, schema: pa.Schema) -> CollectionSettings | None:
        raw = (schema.metadata or {}).get(SETTINGS_KEY)
        if raw is None:
            return None
        data = json.loads(raw)
        return cls(
            dim=int(data["dim"]),
            distance=str(data["distance"]),
            embedder=data.get("embedder"),
            extra=data.get("extra", {}),
        )


def vector_type(dim: int) -> pa.DataType:
    return pa.list_(pa.float32(), dim)


def base_schema(settings: CollectionSettings, metadata: pa.Schema | None = None) -> pa.Schema:
    """The table schema: id, text, vector, then typed metadata columns."""
    fields = [
        pa.field(ID, pa.string(), nullable=False, metadata=PRIMARY_KEY_METADATA),
        pa.field(TEXT, pa.string()),
        pa.field(VECTOR, vector_type(settings.dim)),
    ]
    if settings.extra.get("vector_checksums"):
        fields.append(pa.field(VECTOR_CHECKSUM, pa.uint32()))
    for f in metadata or []:
        check_key(f.name)
        check_storable_type(f.name, f.type)
        fields.append(f.with_nullable(True))
    return pa.schema(fields, metadata={SETTINGS_KEY: settings.to_bytes()})


def split_user_schema(schema: pa.Schema, dim: int | None) -> tuple[pa.Schema, int | None]:
    """Separate a user's explicit schema into metadata fields and the vector dim it implies."""
    meta = []
    for f in schema:
        if f.name == VECTOR:
            if not pa.types.is_fixed_size_list(f.type):
                raise InvalidInputError(
                    f"schema field 'vector' must be fixed_size_list<float32>[dim], got {f.type}"
                )
            if dim is not None and f.type.list_size != dim:
                raise InvalidInputError(
                    f"schema vector has {f.type.list_size} dims but dim={dim} was given"
                )
            dim = f.type.list_size
        elif f.name in (ID, TEXT):
            if not pa.types.is_string(f.type):
                raise InvalidInputError(f"schema field {f.name!r} must be a string, got {f.type}")
        else:
            meta.append(f)
    return pa.schema(meta), dim


def metadata_fields(schema: pa.Schema) -> list[pa.Field]:
    """The user metadata columns of a table schema, in order."""
    return [f for f in schema if f.name not in (ID, TEXT, VECTOR, VECTOR_CHECKSUM)]


def vector_checksums(vectors: Any) -> pa.Array:
    """CRC-32 of each row of a float32 ``(n, dim)`` array (its bytes as stored)."""
    rows = np.ascontiguousarray(vectors, dtype=np.float32)
    return pa.array([zlib.crc32(row) for row in rows], pa.uint32())


def checksum_mismatches(table: pa.Table, vectors: Any) -> list[str]:
    """Ids of the rows of ``table`` whose vector (``vectors``, as read) does not match its
    stored checksum; empty when the table carries no checksum column."""
    if VECTOR_CHECKSUM not in table.column_names:
        return []
    stored = table.column(VECTOR_CHECKSUM).to_numpy(zero_copy_only=False)
    computed = vector_checksums(vectors).to_numpy(zero_copy_only=False)
    bad = np.flatnonzero(stored != computed)
    ids = table.column(ID)
    return [str(ids[int(i)]) for i in bad]


def metadata_names(schema: pa.Schema) -> list[str]:
    """Names of the metadata columns of ``schema``."""
    return [f.name for f in metadata_fields(schema)]


def check_key(key: object) -> str:
    """Validate a metadata key, which becomes a column name."""
    if not isinstance(key, str):
        raise InvalidMetadataError(f"metadata keys must be strings, got {key!r}")
    if key in RESERVED:
        raise InvalidMetadataError(
            f"metadata key {key!r} is reserved (reserved: {', '.join(sorted(RESERVED))}); rename it"
        )
    if not _KEY.fullmatch(key):
        raise InvalidMetadataError(
            f"metadata key {key!r} is not allowed: keys start with a letter and contain only "
            "letters, digits, '_' and '-'"
        )
    return key


def check_storable_type(key: str, typ: pa.DataType) -> None:
    if kind(typ) is None:
        raise InvalidMetadataError(
            f"metadata {key!r} has type {typ}; supported: string, int, float, bool, datetime, "
            "date, and lists of those"
        )


def kind(typ: pa.DataType) -> str | None:
    """A coarse type family used to decide whether new values fit an existing column."""
    if pa.types.is_string(typ) or pa.types.is_large_string(typ):
        return "string"
    if pa.types.is_boolean(typ):
        return "bool"
    if pa.types.is_integer(typ):
        return "int"
    if pa.types.is_floating(typ):
        return "float"
    if pa.types.is_timestamp(typ):
        return "timestamp"
    if pa.types.is_date(typ):
        return "date"
    if pa.types.is_list(typ) or pa.types.is_large_list(typ):
        inner = kind(typ.value_type)
        return None if inner is None or inner.startswith("list") else f"list<{inner}>"
    return None


def _plain(value: Any, key: str, row: int) -> Any:
    """Turn numpy scalars into Python ones and reject values we cannot store."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return [_plain(v, key, row) for v in value.tolist()]
    if isinstance(value, Mapping):
        raise InvalidMetadataError(
            f"metadata {key!r} in row {row} is a dict; nested metadata is not supported — "
            "flatten it (e.g. 'author_name')"
        )
    if isinstance(value, list | tuple):
        return [_plain(v, key, row) for v in value]
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise InvalidMetadataError(
                f"metadata {key!r} in row {row} has a lone surrogate at character {exc.start} "
                f"({value[:40]!r}), which UTF-8 cannot store; decode the source with "
                "errors='replace'"
            ) from None
        return value
    out_of_range = isinstance(value, int) and not INT64_MIN <= value <= INT64_MAX
    if out_of_range and not isinstance(value, bool):
        raise InvalidMetadataError(
            f"metadata {key!r} in row {row} is {value}, outside the 64-bit integer range "
            f"[{INT64_MIN}, {INT64_MAX}]; store it as a string or a float"
        )
    if value is None or isinstance(value, bool | int | float | dt.date):
        return value
    raise InvalidMetadataError(
        f"metadata {key!r} in row {row} has unsupported type {type(value).__name__}"
    )


def metadata_columns(
    metadatas: Sequence[Mapping[str, Any] | None] | None, n: int, schema: pa.Schema
) -> tuple[dict[str, pa.Array], list[pa.Field]]:
    """Typed Arrow columns for a batch's metadata, plus the fields the batch adds.

    Every existing metadata column gets an array (nulls where a row lacks the key). Values
    are checked against the column's type family; an int fits a float column, nothing else
    is converted. Keys whose values are all ``None`` and unknown to the schema are dropped.

    Arrow converts the whole batch at once (``pa.array`` of the dicts). Only when it cannot,
    or meets a type we do not store, are the rows walked in Python, to name the row and the
    value at fault.
    """
    existing = {f.name: f for f in metadata_fields(schema)}
    built = _arrow_values(metadatas)
    if built is None:
        built = {key: _array(key, vals) for key, vals in _python_values(metadatas, n).items()}
    columns: dict[str, pa.Array] = {}
    new_fields: list[pa.Field] = []
    for key, built_array in built.items():
        check_key(key)
        target = existing[key].type if key in existing else None
        arr = _typed_array(key, built_array, target)
        if arr is None:
            continue
        columns[key] = arr
        if key not in existing:
            new_fields.append(pa.field(key, arr.type))
    for key, f in existing.items():
        if key not in columns:
            columns[key] = pa.nulls(n, f.type)
    return columns, new_fields


def _arrow_values(
    metadatas: Sequence[Mapping[str, Any] | None] | None,
) -> dict[str, pa.Array] | None:
    """One array per key, converted by Arrow in one go; ``None`` when Arrow cannot (mixed
    types, out-of-range ints, bad text), a row is not a dict, a key is not a string, or a
    value has a type we do not store: the Python walk then says which row."""
    if metadatas is None:
        return {}
    rows = [m for m in metadatas if m is not None]
    if not all(type(m) is dict for m in rows) or {type(k) for m in rows for k in m} - {str}:
        return None
    try:
        struct = pa.array(metadatas)
    except (pa.ArrowException, TypeError, ValueError, OverflowError, UnicodeError):
        return None
    if pa.types.is_null(struct.type):
        return {}
    arrays = dict(zip([f.name for f in struct.type], struct.flatten(), strict=True))
    if any(not pa.types.is_null(a.type) and kind(a.type) is None for a in arrays.values()):
        return None
    return arrays


def _python_values(
    metadatas: Sequence[Mapping[str, Any] | None] | None, n: int
) -> dict[str, list[Any]]:
    """Every key's values, row by row, each checked (and named by row when it is bad)."""
    values: dict[str, list[Any]] = {}
    for row, md in enumerate(metadatas or []):
        if md is None:
            continue
        if not isinstance(md, Mapping):
            raise InvalidMetadataError(
                f"metadata for row {row} must be a dict or None, got {type(md).__name__}"
            )
        for key, value in md.items():
            check_key(key)
            values.setdefault(key, [None] * n)[row] = _plain(value, key, row)
    return values


def _array(key: str, vals: list[Any]) -> pa.Array:
    try:
        return pa.array(vals)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError) as exc:
        kinds = sorted({type(v).__name__ for v in vals if v is not None})
        raise MetadataTypeError(
            f"metadata {key!r} mixes types {', '.join(kinds)} in one batch; "
            "a metadata key holds one type"
        ) from exc


def _typed_array(key: str, arr: pa.Array, target: pa.DataType | None) -> pa.Array | None:
    empty_lists = pa.types.is_list(arr.type) and pa.types.is_null(arr.type.value_type)
    if pa.types.is_null(arr.type) or empty_lists:
        if target is not None:
            return arr.cast(target) if empty_lists else pa.nulls(len(arr), target)
        if empty_lists:
            raise InvalidMetadataError(
                f"metadata {key!r} is a new key whose values are all empty lists, so the type "
                "of its items is unknown; include one non-empty list, or declare it when "
                f"creating the collection: schema=pa.schema([({key!r}, pa.list_(pa.string()))])"
            )
        return None  # a new key that is None everywhere: as if it were absent
    if pa.types.is_timestamp(arr.type) and arr.type.tz is not None:
        arr = arr.cast(pa.timestamp("us", tz="UTC"))
    got = kind(arr.type)
    if got is None:
        raise InvalidMetadataError(f"metadata {key!r} has unsupported type {arr.type}")
    if target is None:
        return arr
    want = kind(target)
    compatible = (
        got == want
        or (want == "float" and got == "int")
        or (want == "list<float>" and got == "list<int>")
    )
    if not compatible:
        bad = arr.drop_null()[0].as_py()
        raise MetadataTypeError(
            f"metadata {key!r} is stored as {target} but this batch gives "
            f"{type(bad).__name__} values (e.g. {bad!r}); convert them, or use a new key"
        )
    try:
        return arr.cast(target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise MetadataTypeError(
            f"metadata {key!r}: values do not fit the stored type {target}: {exc}"
        ) from exc
