"""Static views of results and tables, for pages without a kernel or a widget manager.

GitHub, nbviewer, ``nbconvert --to html`` and a notebook reopened without its kernel show a
cell's ``text/html`` when they cannot run a widget. ``QueryResults`` and every widget put this
there: the hits with one bar per scoring stage, or a table. Every value is escaped; styles are
inline and take JupyterLab's theme variables where they exist.

``results_payload`` is the same hits as JSON, under ``RESULTS_MIME``: JupyterLab renders it with
the extension's MIME renderer (the SearchWidget's hit cards, every value as text), kernel or not.
"""

from __future__ import annotations

import html
import math
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from vecstore_lab._schema import FTS_SCORE, FUSED_SCORE, RERANK_SCORE, VECTOR_SCORE

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["RESULTS_MIME", "results_html", "results_payload", "table_html"]

RESULTS_MIME = "application/vnd.vecstore-lab.results+json"

_STAGES = (
    (VECTOR_SCORE, "vector"),
    (FTS_SCORE, "bm25"),
    (FUSED_SCORE, "fused"),
    (RERANK_SCORE, "rerank"),
)
_OWN = {"id", "text", "vector"}
_FG = "var(--jp-ui-font-color1, #1f1f1f)"
_FILL = "color-mix(in srgb, var(--jp-brand-color1, #1976d2) 32%, var(--jp-layout-color1, #fff))"
_TRACK = "var(--jp-layout-color2, #eee)"


def _head(table: pa.Table, limit: int) -> list[dict[str, Any]]:
    """The first ``limit`` rows. (Arrow's slice of a table with no columns yields ``limit``
    empty rows whatever its length: a widget before its first search holds such a table.)"""
    rows: list[dict[str, Any]] = table.slice(0, min(limit, table.num_rows)).to_pylist()
    return rows


def _text(value: Any, limit: int = 200) -> str:
    shown = "" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)
    return html.escape(shown if len(shown) <= limit else shown[: limit - 1] + "…")


def _bar(label: str, value: float, top: float) -> str:
    width = 0.0 if top <= 0 else max(0.0, min(100.0, abs(value) / top * 100))
    style = (
        f"color:{_FG};font-size:11px;padding:0 4px;white-space:nowrap;background:linear-gradient"
        f"(to right,{_FILL} {width:.0f}%,{_TRACK} {width:.0f}%)"
    )
    return f'<div style="{style}">{html.escape(label)} · {value:.3f}</div>'


def results_html(table: pa.Table, *, title: str = "", limit: int = 50) -> str:
    """Hits as an HTML table: rank, id, score, text, metadata, and a bar per scoring stage."""
    names = table.column_names
    rows = _head(table, limit)
    stages = [(c, label) for c, label in _STAGES if c in names]
    top = {
        c: max((abs(r[c]) for r in rows if r.get(c) is not None), default=0.0) for c, _ in stages
    }
    meta = [c for c in names if c not in _OWN and not c.startswith("_")]
    body = []
    for row in rows:
        details = " ".join(
            f"{html.escape(c)}: {_text(row[c], 60)}" for c in meta if row[c] is not None
        )
        bars = "".join(_bar(label, row[c], top[c]) for c, label in stages if row[c] is not None)
        body.append(
            f"<tr><td>{_text(row.get('_rank'))}</td><td>{_text(row.get('id'))}</td>"
            f"<td>{_text(row.get('_score'))}</td><td>{_text(row.get('text'), 300)}"
            f'<div style="opacity:0.7;font-size:12px">{details}</div></td>'
            f'<td style="min-width:180px">{bars}</td></tr>'
        )
    head = "<tr><th>#</th><th>id</th><th>score</th><th>text</th><th>breakdown</th></tr>"
    caption = f"<caption>{html.escape(title)}</caption>" if title else ""
    more = f"<p>… {len(table) - limit} more</p>" if len(table) > limit else ""
    return f"<table>{caption}<thead>{head}</thead><tbody>{''.join(body)}</tbody></table>{more}"


def table_html(
    table: pa.Table, *, title: str = "", limit: int = 50, units: dict[str, str] | None = None
) -> str:
    """Any table as escaped HTML (at most ``limit`` rows; vectors left out). Cells of the
    columns in ``units`` carry ``data-unit`` (e.g. ``"ms"``: timings differ run to run)."""
    cols = [c for c in table.column_names if c != "vector"]
    head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
    attrs = {c: f' data-unit="{html.escape(u)}"' for c, u in (units or {}).items()}
    body = "".join(
        "<tr>" + "".join(f"<td{attrs.get(c, '')}>{_text(row[c])}</td>" for c in cols) + "</tr>"
        for row in _head(table.select(cols), limit)
    )
    caption = f"<caption>{html.escape(title)}</caption>" if title else ""
    more = f"<p>… {table.num_rows - limit} more rows</p>" if table.num_rows > limit else ""
    return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}"


def _json_value(value: Any) -> Any:
    """``value`` as JSON can carry it: non-finite floats become null, dates ISO text, anything
    else not JSON (bytes, decimals, arrays) its text."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    return str(value)


def results_payload(
    table: pa.Table,
    *,
    title: str = "",
    query: str | None = None,
    mode: str = "",
    words: list[str] | None = None,
    limit: int = 50,
) -> dict[str, Any]:
    """The hits (at most ``limit``, no vectors) as the JSON of ``RESULTS_MIME``: ``rows`` keep
    the query's columns (``_rank``, ``_score``, one per stage) next to the user's metadata."""
    cols = [c for c in table.column_names if c != "vector"]
    rows = _head(table.select(cols), limit)
    return {
        "title": title,
        "query": query,
        "mode": mode,
        "words": list(words or []),
        "total": table.num_rows,
        "rows": [{k: _json_value(v) for k, v in row.items()} for row in rows],
    }
