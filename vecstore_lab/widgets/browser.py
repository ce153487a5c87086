"""``CollectionBrowser``: paged, sortable rows of a collection, with schema, stats and versions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc
import traitlets as t

from vecstore_lab._render.html import table_html
from vecstore_lab._render.ipc import type_label
from vecstore_lab.filters import parse_where
from vecstore_lab.versions import since_first_rows
from vecstore_lab.widgets._base import ArrowTable, VecWidget, command
from vecstore_lab.widgets._hints import filter_example

if TYPE_CHECKING:
    from vecstore_lab.collection import Collection

__all__ = ["CollectionBrowser"]


class CollectionBrowser(VecWidget):
    """Rows of ``collection`` one page at a time, with schema, stats and versions.

    Paging, sorting and filtering are ``collection.get(where=..., order_by=..., offset=...,
    limit=...)``: only the page on screen is read in full and sent (``rows``, an Arrow table).
    A sorted order is ranked once per collection version from the key column, so later pages
    are read by row id. ``where`` is the filter box's text (``year >= 2020 and topic =
    'pets'``, or a JSON filter), checked against the schema: a bad filter is an error shown
    in the widget, and the previous rows stay.
    """

    _bundle = "browser.js"

    page = t.Int(0).tag(sync=True)
    page_size = t.Int(50).tag(sync=True)
    sort_by = t.Unicode("").tag(sync=True)
    descending = t.Bool(False).tag(sync=True)
    where = t.Unicode("").tag(sync=True)
    rows = ArrowTable().tag(sync=True)
    total = t.Int(0).tag(sync=True)
    schema_info = t.List(t.Dict()).tag(sync=True)
    stats = t.Dict().tag(sync=True)
    versions = t.List(t.Dict()).tag(sync=True)
    filter_hint = t.Unicode("").tag(sync=True)  # the filter box's example
    scope_note = t.Unicode("").tag(sync=True)  # "within 1,204 rows picked in linked views"
    marked = t.List(t.Unicode()).tag(sync=True)  # ids to mark (a linked search's hits)

    def __init__(self, collection: Collection, **kwargs: Any) -> None:
        self.collection = collection
        self._scope: pa.Array | None = None  # the ids shown when linked views pick rows
        self._scope_order: tuple[str, bool, pa.Array] | None = None  # the scope, sorted
        kwargs.setdefault("filter_hint", filter_example(collection.metadata_schema))
        super().__init__(**kwargs)
        self.refresh()

    def refresh(self) -> None:
        """Reload counts, schema, stats, versions and the current page."""
        c = self.collection
        self.total = c.count(parse_where(self.where)) if self._scope is None else len(self._scope)
        self.schema_info = [
            {
                "name": f.name,
                "type": str(f.type),
                "label": type_label(f.type),
                "nullable": f.nullable,
            }
            for f in c.schema
        ]
        self.stats = {
            "rows": self.total,
            "dim": c.dim,
            "distance": c.distance,
            "version": c.version,
            "embedder": (c.settings.embedder or {}).get("name", "none"),
            "metadata_columns": len(c.metadata_schema),
            "full_text": c.full_text.describe(),
        }
        self.versions = [
            {
                "version": v.version,
                "timestamp": v.timestamp.isoformat(timespec="seconds"),
                "rows": v.num_rows,
            }
            for v in since_first_rows(c.list_versions())[-20:]
        ]
        self.load_page()

    @property
    def scope(self) -> pa.Array | None:
        """The ids this browser pages through when linked views have picked rows (``None``:
        every row that matches ``where``)."""
        return self._scope

    def scope_to(self, ids: pa.Array | None, note: str = "") -> None:
        """Show only the rows ``ids`` (in that order, unless sorted), or every row again with
        ``None``; ``note`` says why. What a ``Link`` does: the ids it passes already match
        this browser's own ``where``."""
        self._scope = None if ids is None else ids.cast(pa.string())
        self._scope_order = None
        self.scope_note = note if ids is not None else ""
        if ids is None:
            self.total = self.collection.count(parse_where(self.where))
        self.page = 0
        self.load_page()

    def _scoped_page(self, offset: int) -> pa.Table:
        """A page of the scope, in scope order or sorted by ``sort_by`` (the scope's sort key
        is read once per scope and order)."""
        assert self._scope is not None
        ids = self._scope
        if self.sort_by:
            key = (self.sort_by, self.descending)
            if self._scope_order is None or self._scope_order[:2] != key:
                got = self.collection.get(ids=ids.to_pylist(), select=[self.sort_by]).to_arrow()
                order = pc.sort_indices(
                    got,
                    sort_keys=[(self.sort_by, "descending" if self.descending else "ascending")],
                )
                self._scope_order = (*key, got.column("id").take(order).combine_chunks())
            ids = self._scope_order[2]
        page = ids.slice(offset, self.page_size).to_pylist()
        return self.collection.get(ids=page).to_arrow() if page else self.rows.slice(0, 0)

    def load_page(
        self,
        page: int | None = None,
        sort_by: str | None = None,
        descending: bool | None = None,
        where: str | None = None,
    ) -> pa.Table:
        """Fetch one page (``page_size`` rows), sorted by ``sort_by`` when set, of the rows
        matching ``where``. A bad filter raises before anything changes."""
        if where is not None and where != self.where:
            flt = parse_where(where)
            total = self.collection.count(flt)  # checks the filter against the schema
            self.where, self.total, page = where, total, 0  # a new filter: its first page
        if page is not None:
            self.page = page
        if sort_by is not None:
            self.sort_by = sort_by
        if descending is not None:
            self.descending = descending
        if self._scope is not None:
            self.total = len(self._scope)
        pages = max(1, -(-self.total // self.page_size))
        self.page = min(max(self.page, 0), pages - 1)
        offset = self.page * self.page_size
        if self._scope is not None:
            self.rows = self._scoped_page(offset)
            return self.rows
        order = (self.sort_by, "descending" if self.descending else "ascending")
        self.rows = self.collection.get(
            where=parse_where(self.where),
            limit=self.page_size,
            offset=offset,
            order_by=order if self.sort_by else None,
        ).to_arrow()
        return self.rows

    @command("page")
    def _handle_page(
        self, page: int = 0, sort_by: str = "", descending: bool = False, where: str | None = None
    ) -> tuple[dict[str, Any], list[bytes]]:
        table = self.load_page(page, sort_by, descending, where)
        return {"rows": table.num_rows, "page": self.page, "total": self.total}, []

    @command("refresh")
    def _handle_refresh(self) -> tuple[dict[str, Any], list[bytes]]:
        self.refresh()
        return {"total": self.total}, []

    def _static_html(self) -> str:
        shown = f", where {self.where}" if self.where else ""
        shown += f", {self.scope_note}" if self.scope_note else ""
        title = f"{self.collection.name}: {self.total} rows{shown}, page {self.page + 1}"
        return table_html(self.rows, title=title)

    def __repr__(self) -> str:
        return (
            f"CollectionBrowser(collection={self.collection.name!r}, rows={self.total}, "
            f"page={self.page})"
        )
