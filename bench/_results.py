"""Appending a benchmark's section to bench/RESULTS.md (and printing it)."""

from __future__ import annotations

import time
from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS.md")


def publish(title: str, lines: list[str], path: Path | None = None) -> None:
    """Print a section headed ``## title — date`` and append it to RESULTS.md (or ``path``)."""
    section = [f"## {title} — {time.strftime('%Y-%m-%d %H:%M')}", "", *lines, ""]
    print("\n".join(section))
    with (path or RESULTS).open("a", encoding="utf-8") as f:
        f.write("\n".join(section) + "\n")
