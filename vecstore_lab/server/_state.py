"""What the server extension keeps between requests: the roots, each opened collection (with
its in-memory exact search) and each stored embedder, built once per server process and reused
by every query. A collection is opened once, not per request: the first query loads its
vectors, and the next ones search them in memory."""

from __future__ import annotations

import contextlib
import json
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from vecstore_lab import telemetry
from vecstore_lab._render.ipc import type_label
from vecstore_lab.database import connect
from vecstore_lab.embedders import embedder_from_config
from vecstore_lab.errors import CollectionNotFoundError, PathOutsideRootsError, StorageError
from vecstore_lab.server._limits import Limits
from vecstore_lab.server._pool import WorkPool
from vecstore_lab.spec import MODES, QuerySpec
from vecstore_lab.versions import since_first_rows

if TYPE_CHECKING:
    from vecstore_lab.collection import Collection
    from vecstore_lab.database import VecDatabase
    from vecstore_lab.embedders import Embedder
    from vecstore_lab.results import QueryResults
    from vecstore_lab.server._pool import Gone
    from vecstore_lab.server._roots import Roots

__all__ = ["State"]

OPEN_COLLECTIONS = 32  # opened collections kept (least recently used leave first)


def _stamp(folder: Any, name: str) -> Any:
    """The identity of a local table folder (inode and change time): a collection deleted and
    made anew under the same name gets a new one, so a held handle is not reused for it.
    Object storage has no such cheap check: there a held handle is reused (and ``search``
    opens it again if it fails)."""
    if isinstance(folder, str):
        return None
    try:
        st = (folder / f"{name}.lance").stat()
    except OSError:
        return None
    return (st.st_ino, st.st_ctime_ns)


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
        # (handle, the table folder's identity when opened): see _stamp.
        self._open: OrderedDict[tuple[int, str, str, bool], tuple[Collection, Any]] = OrderedDict()
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
        folder = self.roots.resolve(root, path)
        self.roots.check_collection(folder, name)
        key = (root, path, name, embed)
        stamp = _stamp(folder, name)
        with self._lock:
            held = self._open.get(key)
            if held is not None and held[1] == stamp:
                self._open.move_to_end(key)
                return held[0]
        db = self.database(root, path)
        if not embed:
            opened = db.get_collection(name)
        else:
            stored = db.get_collection(name).settings.embedder
            opened = db.get_collection(name, embedder=self.embedder(stored) if stored else None)
        with self._lock:
            self._open[key] = (opened, stamp)
            while len(self._open) > OPEN_COLLECTIONS:
                self._open.popitem(last=False)
        return opened

    def forget(self, root: int, path: str, name: str) -> None:
        """Drop the opened handles of a collection (it was dropped, or made anew)."""
        with self._lock:
            for key in [k for k in self._open if k[:3] == (root, path, name)]:
                del self._open[key]

    def warm(self, root: int, path: str, name: str) -> None:
        """Open the collection for queries ahead of the first one: its embedder's model loads
        and its vectors come into memory (the panel calls this when a collection is picked)."""
        collection = self.collection(root, path, name, embed=True)
        if collection.embedder is not None:
            collection.search(QuerySpec(text="warm up", mode="vector", k=1))

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
        try:
            return collection.search(spec)
        except (StorageError, CollectionNotFoundError):
            # A held handle outlived its table (dropped, or made anew under the same name):
            # open it again, once.
            self.forget(root, path, name)
            return self.collection(root, path, name, embed=needs).search(spec)

    def describe(self, root: int, path: str, name: str, *, full: bool = False) -> dict[str, Any]:
        c = self.collection(root, path, name)
        info: dict[str, Any] = {
            "name": c.name,
            "rows": len(c),
            "dim": c.dim,
            "distance": c.distance,
            "embedder": (c.settings.embedder or {}).get("name"),
            "full_text": c.full_text.describe(),
            "version": c.version,
            "indexes": c.list_indexes(),
        }
        versions = c.list_versions()
        info["versions"] = len(versions)
        if full:
            info["schema"] = [
                {
                    "name": f.name,
                    "type": str(f.type),
                    "label": type_label(f.type),
                    "nullable": f.nullable,
                }
                for f in c.schema
            ]
            info["version_list"] = [
                {"version": v.version, "timestamp": v.timestamp.isoformat(), "rows": v.num_rows}
                for v in since_first_rows(versions)[-50:]
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
