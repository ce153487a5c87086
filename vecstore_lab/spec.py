"""``QuerySpec``: one frozen, validated description of a query, shared by every surface.

``Collection.query(...)`` builds one from its keywords and runs it with ``Collection.search``.
Evaluation configurations, the CLI and the widgets produce one too, and a front end sends one
as JSON (``to_json``/``from_json`` round-trip exactly). Checks that need no collection happen
here, once; the collection checks the rest (the vector's length, field names in ``select``
and ``where``).

Examples:
    >>> spec = QuerySpec("moon tides", mode="hybrid", k=5, fusion="linear")
    >>> spec.fusion
    LinearCombinationReranker(alpha=0.5)
    >>> QuerySpec.from_json(spec.to_json()) == spec
    True
    >>> spec.replace(k=3).k
    3
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from vecstore_lab._inputs import check_vectors, unencodable
from vecstore_lab.errors import InvalidInputError, InvalidVectorError, VecStoreError
from vecstore_lab.fusion import check_alpha
from vecstore_lab.rerankers import Fuser, Reranker, RRFReranker, registry
from vecstore_lab.rerankers.fusion import LinearCombinationReranker

__all__ = ["MAX_K", "MODES", "QuerySpec"]

MODES = ("vector", "text", "hybrid")
MAX_K = 2**31 - 1  # LanceDB's limit is a 32-bit count
_INT_KNOBS = ("rerank_k", "candidates", "refine_factor", "nprobes", "ef")


def _positive_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_K


def _component(value: Any, what: str) -> Any:
    """A registered component from ``"name"`` or ``{"name": ..., "config": {...}}``."""
    if isinstance(value, str):
        return registry.create(value)
    if isinstance(value, Mapping) and set(value) <= {"name", "config"} and "name" in value:
        try:
            return registry.create(str(value["name"]), **dict(value.get("config") or {}))
        except TypeError as exc:
            raise InvalidInputError(f"{what} {dict(value)!r}: {exc}") from exc
    raise InvalidInputError(f"{what} must be a name or {{'name': ..., 'config': {{...}}}}")


def _described(obj: Any, what: str) -> dict[str, Any]:
    """``{"name", "config"}`` of a registered component, which rebuilds it."""
    name = getattr(obj, "name", None)
    try:
        registered = isinstance(name, str) and registry.factory(name) is type(obj)
    except VecStoreError:
        registered = False
    if not registered:
        raise InvalidInputError(
            f"{what} {obj!r} is not a registered component, so it has no JSON form; register "
            "its class (register_reranker) or pass a registered name"
        )
    return {"name": name, "config": obj.config()}


def fuser_from(fusion: Any, *, alpha: float = 0.5, rrf_k: int = 60) -> Fuser:
    """The fusion of a hybrid query from ``"rrf"`` (with ``rrf_k``), ``"linear"`` (with
    ``alpha``), a ``{"name", "config"}`` mapping, or a ``Fuser`` object."""
    if fusion == "rrf":  # the names first: a Protocol isinstance check costs ~0.1 ms
        return RRFReranker(k=rrf_k)
    if fusion == "linear":
        return LinearCombinationReranker(alpha=alpha)
    if isinstance(fusion, (RRFReranker, LinearCombinationReranker, Fuser)):  # concrete first
        return fusion
    if isinstance(fusion, Mapping):
        built = _component(fusion, "fusion")
        if isinstance(built, Fuser):
            return built
    raise InvalidInputError(
        f"fusion must be 'rrf', 'linear' or an object with fuse(), got {fusion!r}"
    )


@dataclasses.dataclass(frozen=True, eq=False)
class QuerySpec:
    """What to search for and how; immutable (derive variants with ``replace``).

    Fields:
        text: the query text (embedded for vector/hybrid mode; matched for text mode).
        vector: a query vector, instead of embedding ``text`` (kept as read-only float32).
        k: number of hits.
        mode: ``"vector"``, ``"text"`` (BM25) or ``"hybrid"`` (both, fused).
        where: a dict or string filter, applied before the search.
        fusion: how hybrid mode fuses its two lists, one object: ``"rrf"``, ``"linear"``,
            ``{"name": "linear", "config": {"alpha": 0.3}}`` or a ``Fuser``
            (``RRFReranker(k=30)``). Stored as the ``Fuser``.
        rerank: a reranker, a registered name, or a function ``(query, hits) -> scores``.
        rerank_k: candidates retrieved for the reranker (default ``max(3k, 30)``).
        candidates: hits fetched from each list before fusing (default ``max(3k, 30)``).
        select: fields to return besides id and scores (default: text and all metadata).
        include_vectors: also return each hit's vector.
        refine_factor, nprobes, ef: ANN index knobs, passed to LanceDB when an index exists
            (``ef``: the HNSW search breadth of ``ivf_hnsw_*`` indexes).
        exact: ``True`` searches every vector even when an ANN index exists; ``False`` uses
            the index (LanceDB still scans rows not yet indexed); ``None`` (default): the
            index when there is one, else exact search.
    """

    text: str | None = None
    vector: npt.NDArray[np.float32] | None = None
    k: int = 10
    mode: str = "vector"
    where: str | Mapping[str, Any] | None = None
    fusion: Fuser = dataclasses.field(default_factory=RRFReranker)
    rerank: Reranker | str | Callable[..., Any] | None = None  # or {"name", "config"}
    rerank_k: int | None = None
    candidates: int | None = None
    select: Sequence[str] | None = None  # stored as a tuple
    include_vectors: bool = False
    refine_factor: int | None = None
    nprobes: int | None = None
    ef: int | None = None
    exact: bool | None = None

    def __post_init__(self) -> None:
        def put(name: str, value: Any) -> None:
            object.__setattr__(self, name, value)

        if self.mode not in MODES:
            raise InvalidInputError(f"mode must be one of {MODES}, got {self.mode!r}")
        if isinstance(self.k, bool) or not isinstance(self.k, int) or self.k < 1:
            raise InvalidInputError(f"k must be a positive int, got {self.k!r}")
        if self.k > MAX_K:
            raise InvalidInputError(f"k must be at most {MAX_K}, got {self.k}")
        text = self.text
        if text is not None and (not isinstance(text, str) or not text.strip()):
            raise InvalidInputError(f"query text must be a non-empty string, got {text!r}")
        if text is not None and unencodable(text) is not None:
            raise InvalidInputError(
                f"query text {text[:40]!r} has a lone surrogate at character {unencodable(text)}, "
                "which cannot be embedded or matched; decode the source with errors='replace'"
            )
        if self.vector is not None:
            put("vector", self._as_vector(self.vector))
        for name in _INT_KNOBS:
            value = getattr(self, name)
            if value is not None and not _positive_int(value):
                raise InvalidInputError(f"{name} must be a positive int, got {value!r}")
        if self.rerank_k is not None and self.rerank_k < self.k:
            raise InvalidInputError(f"rerank_k must be an int >= k ({self.k}), got {self.rerank_k}")
        if self.where is not None and not isinstance(self.where, str | Mapping):
            raise InvalidInputError(f"where must be a dict or a string, got {type(self.where)}")
        select: Any = self.select
        if isinstance(select, str):  # one field named as a string, not a list of letters
            put("select", (select,))
        elif select is not None:
            if not isinstance(select, Sequence) or not all(isinstance(c, str) for c in select):
                raise InvalidInputError(f"select must be a list of field names: {select!r}")
            put("select", tuple(select))
        if not isinstance(self.include_vectors, bool):
            raise InvalidInputError("include_vectors must be True or False")
        if self.exact is not None and not isinstance(self.exact, bool):
            raise InvalidInputError(f"exact must be True, False or None, got {self.exact!r}")
        put("fusion", fuser_from(self.fusion))
        rerank: Any = self.rerank  # a {"name", "config"} mapping (JSON) is built here
        if isinstance(rerank, Mapping):
            put("rerank", _component(rerank, "rerank"))
        elif isinstance(rerank, str):
            registry.factory(rerank)  # an unknown name fails here, listing the known ones
        elif rerank is not None and not isinstance(rerank, Reranker) and not callable(rerank):
            raise InvalidInputError(
                "rerank must be a Reranker, a registered name or a function, got "
                f"{type(rerank).__name__}"
            )

    @staticmethod
    def _as_vector(vector: Any) -> npt.NDArray[np.float32]:
        """One finite float32 vector (read-only); its length is checked by the collection."""
        try:
            shape = np.shape(vector)
        except ValueError:  # ragged: check_vectors names the culprit
            shape = ()
        arr = check_vectors(vector, int(shape[-1]) if shape else 0)
        if arr.shape[0] != 1:
            raise InvalidVectorError(f"query vector must be one vector, got {arr.shape[0]}")
        out: npt.NDArray[np.float32] = arr[0].copy()
        out.setflags(write=False)
        return out

    # -- building ---------------------------------------------------------------------
    @classmethod
    def build(
        cls,
        text: str | None = None,
        *,
        fusion: Any = "rrf",
        alpha: float = 0.5,
        rrf_k: int = 60,
        **fields: Any,
    ) -> QuerySpec:
        """A spec from ``Collection.query``'s keywords, where fusion may also be spelled
        ``fusion="linear", alpha=...`` or ``fusion="rrf", rrf_k=...``."""
        unknown = sorted(set(fields) - {f.name for f in dataclasses.fields(cls)})
        if unknown:
            raise InvalidInputError(f"unknown query option(s) {unknown}; known: {cls.options()}")
        if not _positive_int(rrf_k):
            raise InvalidInputError(f"rrf_k must be a positive int, got {rrf_k!r}")
        check_alpha(alpha)  # checked even when unused, so a typo never passes silently
        return cls(text, fusion=fuser_from(fusion, alpha=alpha, rrf_k=rrf_k), **fields)

    @classmethod
    def options(cls) -> list[str]:
        """Every keyword ``build`` takes."""
        return [*(f.name for f in dataclasses.fields(cls)), "alpha", "rrf_k"]

    def replace(self, **changes: Any) -> QuerySpec:
        """A copy with ``changes`` applied (and validated)."""
        return dataclasses.replace(self, **changes)

    # -- JSON -------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values; components become ``{"name", "config"}``.

        Raises ``InvalidInputError`` for what has no JSON form (a function reranker, an
        unregistered fusion object).
        """
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name == "vector" and value is not None:
                value = [float(x) for x in value]
            elif f.name == "select" and value is not None:
                value = list(value)
            elif f.name == "where" and isinstance(value, Mapping):
                value = json.loads(json.dumps(value))
            elif f.name == "fusion":
                value = _described(value, "fusion")
            elif f.name == "rerank" and value is not None and not isinstance(value, str):
                value = _described(value, "rerank")
            out[f.name] = value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> QuerySpec:
        """The spec ``to_dict`` described; unknown keys are an error (no silent typos)."""
        if not isinstance(data, Mapping):
            raise InvalidInputError(f"a query spec is a JSON object, got {type(data).__name__}")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InvalidInputError(
                f"unknown query spec field(s) {unknown}; known: {sorted(known)}"
            )
        return cls(**dict(data))  # __post_init__ checks every field (select=5 included)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | bytes) -> QuerySpec:
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InvalidInputError(f"a query spec must be JSON: {exc}") from exc
        return cls.from_dict(data)

    # -- comparison -------------------------------------------------------------------
    def _key(self) -> tuple[Any, ...]:
        def key(name: str, value: Any) -> Any:
            if name == "vector":
                return None if value is None else value.tobytes()
            if name == "where":
                return json.dumps(value, sort_keys=True, default=repr)
            if name in ("fusion", "rerank") and hasattr(value, "config"):
                return (type(value), json.dumps(value.config(), sort_keys=True, default=repr))
            return value

        return tuple(key(f.name, getattr(self, f.name)) for f in dataclasses.fields(self))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, QuerySpec):
            return NotImplemented
        return self._key() == other._key()

    __hash__ = None  # type: ignore[assignment]  # mutable-looking fields: not hashable
