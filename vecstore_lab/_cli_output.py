"""What the ``vecstore-lab`` command prints and writes: hit lists with snippets, help text with
defaults, and result tables in the format a file name asks for."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from vecstore_lab.errors import InvalidInputError

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["SNIPPET", "HelpWithDefaults", "command", "print_results", "snippet", "write_table"]

SNIPPET = 100  # characters of each hit's text shown by default


def snippet(text: str | None, width: int = SNIPPET) -> str:
    """``text`` on one line, cut at a word boundary to about ``width`` characters."""
    flat = " ".join((text or "").split())
    if len(flat) <= width:
        return flat
    cut = flat[:width].rsplit(" ", 1)[0] or flat[:width]
    return cut + " …"


def print_results(title: str, results: object, *, snippets: bool = True) -> None:
    print(f"\n== {title}")
    for hit in results:  # type: ignore[attr-defined]
        label = hit.metadata.get("title") or hit.metadata.get("source") or ""
        print(f"  {hit.rank}. [{hit.score:.3f}] {hit.id:<24} {label}")
        if snippets:
            print(f"       {snippet(hit.text)}")


def write_table(table: Any, path: Path) -> None:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        from pyarrow import csv

        csv.write_csv(table, path)
    elif suffix == ".parquet":
        import pyarrow.parquet as pq

        pq.write_table(table, path)
    elif suffix in (".json", ".jsonl"):
        path.write_text("".join(json.dumps(r) + "\n" for r in table.to_pylist()))
    else:
        raise InvalidInputError(f"--output {path}: use a .csv, .parquet or .jsonl file")


class HelpWithDefaults(argparse.HelpFormatter):
    """Option help that ends with the default, unless there is none or the help names it."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if (
            not action.option_strings
            or action.default in (None, False, argparse.SUPPRESS)
            or "default" in text
        ):
            return text
        return f"{text} (default: %(default)s)"


def command(sub: Any, name: str, **kwargs: Any) -> argparse.ArgumentParser:
    """A subcommand whose --help shows every option's default."""
    parser: argparse.ArgumentParser = sub.add_parser(
        name, formatter_class=HelpWithDefaults, **kwargs
    )
    return parser
