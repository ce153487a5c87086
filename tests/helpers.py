"""Helpers shared by test modules."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

import vecstore_lab as vl

if TYPE_CHECKING:
    from collections.abc import Callable

    import pyarrow as pa


ROOT = Path(__file__).resolve().parents[1]  # the repository


def snapshot(c: vl.Collection) -> tuple[int, pa.Table]:
    """Version and full contents (sorted by id) to compare before/after a failed write."""
    return c.version, c.to_arrow().sort_by("id")


def run_threads(target: Callable[..., object], args: list[tuple[object, ...]]) -> None:
    """Start one thread per argument tuple, all at once, and wait for every one."""
    threads = [threading.Thread(target=target, args=a) for a in args]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def widget_bundles() -> list[str]:
    """Every widget bundle, named after its source: js/src/<widget>.ts → <widget>.js."""
    src = ROOT / "js" / "src"
    return sorted(f"{p.stem}.js" for p in src.glob("*.ts") if not p.name.endswith(".d.ts"))


# Small collections of the judging, pooling and comparison tests.
POOL_TEXTS = [
    "the moon pulls",
    "the sea rises",
    "bond prices fell",
    "rates rose",
    "tides and the moon",
    "prices of bonds",
    "a loaf of bread",
    "sourdough starter",
]
TIDES_AND_BONDS = [
    "the moon pulls the sea",
    "tides rise and fall",
    "bond prices fell",
    "the moon and the tides",
    "rates rose again",
    "sea levels and the moon",
]


def small_collection(path: Path, texts: list[str], dim: int = 16) -> vl.Collection:
    """Collection "docs" in a database at ``path / "db"``: ``texts`` as d0, d1, …"""
    c = vl.connect(path / "db", embedder=vl.HashEmbedder(dim=dim)).create_collection("docs")
    c.add(ids=[f"d{i}" for i in range(len(texts))], texts=texts)
    return c
