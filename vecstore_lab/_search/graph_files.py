"""Where an in-process graph index lives and how it is built: ``GraphSettings`` (HNSW's
knobs, checked) and ``GraphFiles`` (one collection's graph saved per table version: the
usearch file, then a JSON note of its version and settings written last, so a reader sees a
whole graph or the one before)."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from vecstore_lab.errors import InvalidInputError

__all__ = ["DTYPES", "GRAPH_DIR", "GraphFiles", "GraphSettings", "graph_cache_dir"]

GRAPH_DIR = ".vecstore_lab/graphs"
DTYPES = ("auto", "i8", "f16", "f32")


def graph_cache_dir(uri: str) -> Path:
    """Where the graphs of the database at ``uri`` live: next to it on local disk, under the
    user's cache folder (``$XDG_CACHE_HOME/vecstore-lab/graphs/<hash>``) on object storage."""
    if "://" not in uri or uri.startswith("file://"):
        return Path(uri.removeprefix("file://")) / GRAPH_DIR
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "vecstore-lab" / "graphs" / hashlib.sha256(uri.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class GraphSettings:
    """How the graph is built and searched.

    ``connectivity`` (HNSW's M), ``expansion_add`` (efConstruction), ``expansion_search``
    (ef, the default breadth of a search; a query's ``ef=`` overrides it), ``dtype``
    (how the graph holds the vectors: ``"i8"``, ``"f16"`` or ``"f32"``; ``"auto"`` is int8
    for cosine, whose vectors usearch normalises into int8's range, and float16 for dot and
    L2, whose vectors may lie outside it), ``rebuild_ratio`` (the share of changed rows
    past which the graph is rebuilt rather than patched) and ``exact_rows`` (a filter that
    keeps at most this many rows is searched exactly over them, not through the graph).
    """

    connectivity: int = 16
    expansion_add: int = 128
    expansion_search: int = 64
    dtype: str = "auto"
    rebuild_ratio: float = 0.5
    exact_rows: int = 20_000

    @classmethod
    def of(cls, params: dict[str, Any]) -> GraphSettings:
        names = {"m": "connectivity", "ef_construction": "expansion_add", "ef": "expansion_search"}
        known = set(cls.__dataclass_fields__)
        out: dict[str, Any] = {}
        for key, value in params.items():
            name = names.get(key, key)
            if name not in known:
                raise InvalidInputError(
                    f"unknown hnsw parameter {key!r}; known: m, ef_construction, ef, dtype, "
                    "rebuild_ratio, exact_rows"
                )
            out[name] = value
        settings = cls(**out)
        for name in ("connectivity", "expansion_add", "expansion_search"):
            value = getattr(settings, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 2 <= value <= 4096:
                raise InvalidInputError(f"hnsw {name} must be an int in 2..4096, got {value!r}")
        rows = settings.exact_rows
        if isinstance(rows, bool) or not isinstance(rows, int) or rows < 0:
            raise InvalidInputError(f"hnsw exact_rows must be an int >= 0, got {rows!r}")
        if settings.dtype not in DTYPES:
            raise InvalidInputError(f"hnsw dtype must be one of {DTYPES}, got {settings.dtype!r}")
        ratio = settings.rebuild_ratio
        if isinstance(ratio, bool) or not isinstance(ratio, (int, float)) or not 0 < ratio <= 1:
            raise InvalidInputError("hnsw rebuild_ratio must be in (0, 1]")
        return settings


_SAVING: dict[str, threading.Thread] = {}  # a note's path -> its graph being saved here


class GraphFiles:
    """The files of one collection's graph under ``directory`` (``None``: kept in memory)."""

    def __init__(self, directory: Path | None, name: str) -> None:
        self.directory, self.name = directory, name

    def saving(self, thread: threading.Thread) -> None:
        """``thread`` writes these files: another handle in this process reading them waits
        for it (else it would find no graph, or the previous one, and build its own)."""
        if self.note is not None:
            _SAVING[os.fspath(self.note)] = thread

    def _settled(self) -> None:
        thread = None if self.note is None else _SAVING.get(os.fspath(self.note))
        if thread is not None and thread is not threading.current_thread():
            thread.join()
            _SAVING.pop(os.fspath(self.note or ""), None)

    @property
    def note(self) -> Path | None:
        return None if self.directory is None else self.directory / f"{self.name}.json"

    def _read_note(self) -> dict[str, Any] | None:
        note = self.note
        if note is None:
            return None
        self._settled()
        try:
            data = json.loads(note.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def declared(self) -> GraphSettings | None:
        """The settings of the graph saved here, if one is."""
        data = self._read_note()
        try:
            return None if data is None else GraphSettings(**data["settings"])
        except (KeyError, TypeError):
            return None

    def save(self, index: Any, version: int, settings: GraphSettings) -> None:
        note, directory = self.note, self.directory
        if note is None or directory is None:
            return
        directory.mkdir(parents=True, exist_ok=True)
        name = f"{self.name}.v{version}.usearch"
        tmp = directory / f"{name}.{os.getpid()}.tmp"
        index.save(os.fspath(tmp))
        tmp.replace(directory / name)
        data = {"version": version, "file": name, "settings": asdict(settings)}
        tmp_note = directory / f"{self.name}.json.{os.getpid()}.tmp"
        tmp_note.write_text(json.dumps(data), encoding="utf-8")
        tmp_note.replace(note)  # readers see the old note or the new one, never half
        for old in directory.glob(f"{self.name}.v*.usearch"):
            if old.name != name:
                old.unlink(missing_ok=True)

    def load(self, index: Any) -> tuple[Any, int, str] | None:
        """``index`` memory-mapped from the saved graph (read-only: copy it to change it),
        its version and file; None if unreadable. Mapping a 1M-row graph takes a tenth of a
        second, reading it 0.7 s. A save replaces the file, so a mapped one stays whole."""
        data = self._read_note()
        if data is None or self.directory is None:
            return None
        try:
            path = self.directory / str(data["file"])
            index.view(os.fspath(path))
            return index, int(data["version"]), os.fspath(path)
        except (OSError, ValueError, KeyError, TypeError, RuntimeError):
            return None

    def drop(self) -> None:
        if self.directory is None:
            return
        for pattern in (f"{self.name}.json", f"{self.name}.v*.usearch", f"{self.name}.*.tmp"):
            for path in self.directory.glob(pattern):
                path.unlink(missing_ok=True)
