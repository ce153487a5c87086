"""``CollectionBrowser``: paged, sortable rows of a collection, with schema, stats and versions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import traitlets as t

from vecstore_lab._render.html import table_html
from vecstore_lab._render.ipc import type_label
from vecstore_lab.filters import parse_where
from vecstore_lab.versions import since_first_rows
from vecstore_lab.widgets._base import ArrowTable, VecWidget, command
from vecstore_lab.widgets._hints import filter_example

if TYPE_CHECKING:
    import pyarrow as pa

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

    def __init__(self, collection: Collection, **kwargs: Any) -> None:
        self.collection = collection
        kwargs.setdefault("filter_hint", filter_example(collection.metadata_schema))
        super().__init__(**kwargs)
        self.refresh()

    def refresh(self) -> None:
        """Reload counts, schema, stats, versions and the current page."""
        c = self.collection
        self.total = c.count(parse_where(self.where))
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
        pages = max(1, -(-self.total // self.page_size))
        self.page = min(max(self.page, 0), pages - 1)
        offset = self.page * self.page_size
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
        title = f"{self.collection.name}: {self.total} rows{shown}, page {self.page + 1}"
        return table_html(self.rows, title=title)

    def __repr__(self) -> str:
        return (
            f"CollectionBrowser(collection={self.collection.name!r}, rows={self.total}, "
            f"page={self.page})"
        )
