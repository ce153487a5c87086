"""What the server extension keeps between requests: the roots, open databases, and each
stored embedder, built once per server process and reused by every query."""

from __future__ import annotations

import contextlib
import json
import threading
from typing import TYPE_CHECKING, Any

from vecstore_lab import telemetry
from vecstore_lab.database import connect
from vecstore_lab.embedders import embedder_from_config
from vecstore_lab.errors import CollectionNotFoundError
from vecstore_lab.server._limits import Limits
from vecstore_lab.server._pool import WorkPool
from vecstore_lab.server._roots import PathOutsideRootsError
from vecstore_lab.spec import MODES

if TYPE_CHECKING:
    from vecstore_lab.collection import Collection
    from vecstore_lab.database import VecDatabase
    from vecstore_lab.embedders import Embedder
    from vecstore_lab.results import QueryResults
    from vecstore_lab.server._pool import Gone
    from vecstore_lab.server._roots import Roots
    from vecstore_lab.spec import QuerySpec

__all__ = ["State"]


class State:
    """The roots, the request limits and the worker pool, with the work handlers run on it."""

    def __init__(
        self,
        roots: Roots,
        limits: Limits | None = None,
        *,
        workers: int = 4,
        max_pending: int = 64,
    ) -> None:
        self.roots = roots
        self.limits = limits or Limits()
        self.pool = WorkPool(workers, max_pending)
        self._embedders: dict[str, Embedder] = {}
        self._lock = threading.Lock()

    def database(self, root: int, path: str) -> VecDatabase:
        folder = self.roots.resolve(root, path)
        if isinstance(folder, str):  # object storage: credentials from the environment
            return connect(folder, embedding_cache=False)
        if not folder.is_dir():
            raise CollectionNotFoundError(f"no database at {path!r}")
        # Queries embed only their own text: the documents' embedding cache is never read.
        return connect(str(folder), embedding_cache=False)

    def collection(self, root: int, path: str, name: str, *, embed: bool = False) -> Collection:
        """Collection ``name``; with ``embed``, holding this process's copy of its embedder.
        Its real path, and that of every link in it, is checked against the roots first."""
        self.roots.check_collection(self.roots.resolve(root, path), name)
        db = self.database(root, path)
        if not embed:
            return db.get_collection(name)
        stored = db.get_collection(name).settings.embedder
        return db.get_collection(name, embedder=self.embedder(stored) if stored else None)

    def embedder(self, spec: dict[str, Any]) -> Embedder:
        key = json.dumps(spec, sort_keys=True)
        with self._lock:
            if key not in self._embedders:
                self._embedders[key] = embedder_from_config(spec)
            return self._embedders[key]

    def search(
        self, root: int, path: str, name: str, spec: QuerySpec, gone: Gone | None = None
    ) -> QueryResults:
        needs = (spec.vector is None and spec.mode != "text") or spec.rerank is not None
        collection = self.collection(root, path, name, embed=needs)
        if gone is not None:
            gone.check()  # opening (and a first model load) may have taken a while
        return collection.search(spec)

    def describe(self, root: int, path: str, name: str, *, full: bool = False) -> dict[str, Any]:
        c = self.collection(root, path, name)
        info: dict[str, Any] = {
            "name": c.name,
            "rows": len(c),
            "dim": c.dim,
            "distance": c.distance,
            "embedder": (c.settings.embedder or {}).get("name"),
            "version": c.version,
            "indexes": c.list_indexes(),
        }
        versions = c.list_versions()
        info["versions"] = len(versions)
        if full:
            info["schema"] = [
                {"name": f.name, "type": str(f.type), "nullable": f.nullable} for f in c.schema
            ]
            info["version_list"] = [
                {"version": v.version, "timestamp": v.timestamp.isoformat(), "rows": v.num_rows}
                for v in versions[-50:]
            ]
        return info

    def databases(self) -> dict[str, Any]:
        out = []
        for root, path in self.roots.databases():
            collections = []
            for name in self.database(root, path).list_collections():
                with contextlib.suppress(PathOutsideRootsError):  # links out are not listed
                    collections.append(self.describe(root, path, name))
            if collections:
                location = str(self.roots.resolve(root, path))
                out.append(
                    {"root": root, "path": path, "location": location, "collections": collections}
                )
        return {
            "roots": [str(r) for r in self.roots.roots],
            "uris": self.roots.uris,
            "modes": list(MODES),
            "databases": out,
        }

    def telemetry(self) -> dict[str, Any]:
        recorder = telemetry.get_recorder()
        if recorder is None or not len(recorder):
            return {"enabled": recorder is not None, "summary": []}
        summary = recorder.summary().reset_index()
        return {"enabled": True, "summary": json.loads(summary.to_json(orient="records"))}
