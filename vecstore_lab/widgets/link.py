"""``link``: widgets over one collection that filter each other (cross-filtering).

Each view that can pick rows is a *source*: the map's selection (lasso, box, click, a cluster
label), the browser's filter box, and each facet's brushes. Each view that shows rows is a
*target*, and it is filtered by every source but itself (a lasso does not dim the map it was
drawn on, and a facet keeps drawing its own bars):

- the map dims the points the others filter out;
- the browser pages through the rows they keep (and its own filter);
- each facet counts the rows they keep, over faint bars of all rows;
- the search is scoped to them (its own filter box still applies);
- a search's hits ring the map and are marked in the browser.

Where it runs: in Python. Every source becomes a mask over the *universe*, the map's points
(or, without a map, the rows in storage order), so a cross-filter is a few numpy ANDs and
``bincount``s over a million flags, timed in ``last_ms``. The views draw in the browser from
what reaches them: one bit per point for the map, a page of rows for the browser, counts for
a facet. A JavaScript-only link would need every view's data in every other view, which is
what the kernel already holds once.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from vecstore_lab._schema import ID
from vecstore_lab.errors import InvalidInputError, VecStoreError
from vecstore_lab.filters import Filter, all_of, parse_where
from vecstore_lab.widgets.browser import CollectionBrowser
from vecstore_lab.widgets.embedding_map import EmbeddingMap
from vecstore_lab.widgets.facet import FacetWidget
from vecstore_lab.widgets.search import SearchWidget

if TYPE_CHECKING:
    import numpy.typing as npt

__all__ = ["Link", "link"]

LINKABLE = (EmbeddingMap, CollectionBrowser, SearchWidget, FacetWidget)


def link(*widgets: Any) -> Link:
    """Link ``widgets`` over one collection so that they filter each other (``Link``)."""
    return Link(*widgets)


class Link:
    """Widgets over one collection, filtering each other; ``unlink()`` lets them go.

    Examples:
        >>> import vecstore_lab as vl
        >>> from vecstore_lab.widgets import CollectionBrowser, FacetWidget, link
        >>> docs = vl.connect(tmp_path, embedder=vl.HashEmbedder(dim=16)).create_collection("d")
        >>> _ = docs.add(ids=["a", "b", "c"], texts=["moon", "tide", "bond"],
        ...              metadatas=[{"topic": "sky"}, {"topic": "sea"}, {"topic": "sky"}])
        >>> browser, facet = CollectionBrowser(docs), FacetWidget(docs, ["topic"])
        >>> linked = link(browser, facet)
        >>> facet.pick("topic", ["sea"])
        >>> browser.total, browser.scope.to_pylist()
        (1, ['b'])
    """

    def __init__(self, *widgets: Any) -> None:
        if len(widgets) < 2:
            raise InvalidInputError("link() needs at least two widgets")
        for w in widgets:
            if not isinstance(w, LINKABLE):
                raise InvalidInputError(
                    f"link(): {type(w).__name__} cannot be linked; linkable: "
                    f"{', '.join(k.__name__ for k in LINKABLE)}"
                )
        first = widgets[0].collection
        for w in widgets[1:]:
            c = w.collection
            if (c.uri, c.name) != (first.uri, first.name):
                raise InvalidInputError(
                    f"link(): {type(w).__name__} shows {c.name!r} at {c.uri!r}, not "
                    f"{first.name!r} at {first.uri!r}; linked widgets share one collection"
                )
        if len(set(map(id, widgets))) != len(widgets):
            raise InvalidInputError("link(): a widget is given twice")
        self.collection = first
        self.widgets = list(widgets)
        self.last_ms = 0.0  # how long the last cross-filter took in the kernel
        self._masks: dict[int, Any] = {}  # id(source) -> mask over the universe, or None
        self._filters: dict[int, Filter | None] = {}  # id(source) -> the same rows as a filter
        self._positions: dict[int, npt.NDArray[np.int64]] = {}  # id(widget) -> universe rows
        self._handlers: list[tuple[Any, Any, str]] = []
        self._universe()
        for w in widgets:
            self._watch(w)
        self._update()

    # -- the universe: every row once, in the first map's point order ----------------------
    def _universe(self) -> None:
        maps = [w for w in self.widgets if isinstance(w, EmbeddingMap)]
        facets = [w for w in self.widgets if isinstance(w, FacetWidget)]
        self._rowids = None
        if maps:
            ids = maps[0].point_ids
            self._rowids = maps[0].point_rowids  # sorted, as the collection's rowids
        elif facets:
            ids = facets[0].ids
        else:
            ids = self.collection.get(select=[]).to_arrow().column(ID).combine_chunks()
        self.ids: pa.Array = ids
        self._positions.clear()
        for w in self.widgets:
            own = w.point_ids if isinstance(w, EmbeddingMap) else getattr(w, "ids", None)
            if own is not None:
                self._positions[id(w)] = self._where_in_universe(own)

    def _where_in_universe(self, ids: pa.Array) -> npt.NDArray[np.int64]:
        """Each of ``ids``' row in the universe (-1 when it is not there)."""
        if ids.equals(self.ids):  # the universe's own widget: no lookup of 1M strings
            return np.arange(len(ids), dtype=np.int64)
        found = pc.index_in(ids, value_set=self.ids)
        return pc.fill_null(found, -1).to_numpy().astype(np.int64)  # type: ignore[no-any-return]

    def _mask_of(self, ids: pa.Array) -> Any:
        pos = self._where_in_universe(ids)
        mask = np.zeros(len(self.ids), dtype=bool)
        mask[pos[pos >= 0]] = True
        return mask

    def _matching(self, where: Filter) -> Any:
        """The universe rows ``where`` keeps. With a map, by row id: both lists are sorted,
        so it is one ``searchsorted`` (no id strings read)."""
        if self._rowids is None:
            kept = self.collection.get(where=where, select=[]).to_arrow().column(ID)
            return self._mask_of(kept.combine_chunks())
        matched = self.collection.rowids(where)
        if not len(matched):
            return np.zeros(len(self._rowids), dtype=bool)
        at = np.minimum(np.searchsorted(matched, self._rowids), len(matched) - 1)
        return matched[at] == self._rowids

    def _to_universe(self, w: Any, keep: Any) -> Any:
        """A mask in widget ``w``'s row order, over the universe."""
        pos = self._positions[id(w)]
        out = np.zeros(len(self.ids), dtype=bool)
        ok = pos >= 0
        out[pos[ok]] = keep[ok]
        return out

    def _from_universe(self, w: Any, mask: Any) -> Any:
        """A universe mask in widget ``w``'s row order."""
        pos = self._positions[id(w)]
        return np.where(pos >= 0, mask[np.maximum(pos, 0)], False)

    # -- sources ---------------------------------------------------------------------------
    def _watch(self, w: Any) -> None:
        names: list[str] = []
        if isinstance(w, EmbeddingMap):
            names = ["selected_ids", "points"]
        elif isinstance(w, CollectionBrowser):
            names = ["where"]
        elif isinstance(w, FacetWidget):
            names = ["selection"]
        elif isinstance(w, SearchWidget):
            names = ["results"]
        for name in names:
            handler = self._handler(w, name)
            w.observe(handler, names=name)
            self._handlers.append((w, handler, name))
        self._read_source(w)

    def _handler(self, w: Any, name: str) -> Any:
        def changed(_change: Any) -> None:
            if name == "points":  # a new projection: new points, new universe
                self._universe()
                for other in self.widgets:
                    self._read_source(other)
            elif name == "results":
                self._show_hits(w)
                return
            else:
                self._read_source(w)
            self._update()

        return changed

    def _read_source(self, w: Any) -> None:
        """What source ``w`` picks now, as a mask over the universe and as a filter."""
        mask: Any = None
        where: Filter | None = None
        if isinstance(w, EmbeddingMap) and w.selected_ids:
            keep = np.zeros(len(w.point_ids), dtype=bool)
            keep[w.selected_points()] = True
            mask, where = self._to_universe(w, keep), {ID: {"$in": list(w.selected_ids)}}
        elif isinstance(w, CollectionBrowser) and w.where.strip():
            where = parse_where(w.where)
            try:
                mask = self._matching(where)
            except VecStoreError:  # the browser shows the error; the link ignores the filter
                where = None
        elif isinstance(w, FacetWidget):
            brushed = w.keeps()
            if brushed is not None:
                mask, where = self._to_universe(w, brushed), w.where
        self._masks[id(w)] = mask
        self._filters[id(w)] = where

    # -- targets ---------------------------------------------------------------------------
    def _others(self, w: Any) -> Any:
        """The universe rows every source but ``w`` keeps (None: no filter)."""
        keep = None
        for source in self.widgets:
            mask = self._masks.get(id(source))
            if source is w or mask is None:
                continue
            keep = mask if keep is None else keep & mask
        return keep

    def _update(self) -> None:
        """Filter every target by the other sources."""
        start = time.perf_counter()
        for w in self.widgets:
            others = self._others(w)
            kept = 0 if others is None else int(others.sum())
            note = (
                ""
                if others is None
                else f"{kept:,} row{'' if kept == 1 else 's'} kept by linked views"
            )
            if isinstance(w, EmbeddingMap):
                w.dim(None if others is None else self._from_universe(w, others))
            elif isinstance(w, FacetWidget):
                w.show_kept(None if others is None else self._from_universe(w, others))
            elif isinstance(w, CollectionBrowser):
                self._scope_browser(w, others, note)
            elif isinstance(w, SearchWidget):
                scope = all_of(*(self._filters.get(id(s)) for s in self.widgets if s is not w))
                if repr(scope) != repr(w.scope):
                    w.scope_to(scope, note)
        self.last_ms = (time.perf_counter() - start) * 1e3

    def _scope_browser(self, w: CollectionBrowser, others: Any, note: str) -> None:
        if others is None:
            if w.scope is not None:
                w.scope_to(None)
            return
        own = self._masks.get(id(w))
        keep = others if own is None else others & own
        w.scope_to(self.ids.filter(pa.array(keep)), note)

    def _show_hits(self, search: SearchWidget) -> None:
        results = search.last_results
        ids = [] if results is None else list(results.ids)
        for w in self.widgets:
            if isinstance(w, EmbeddingMap):
                w.show_results(results)
            elif isinstance(w, CollectionBrowser):
                w.marked = ids

    def unlink(self) -> None:
        """Stop linking: every view shows all its rows again."""
        for w, handler, name in self._handlers:
            w.unobserve(handler, names=name)
        self._handlers.clear()
        self._masks.clear()
        self._filters.clear()
        for w in self.widgets:
            if isinstance(w, EmbeddingMap):
                w.dim(None)
            elif isinstance(w, FacetWidget):
                w.show_kept(None)
            elif (isinstance(w, CollectionBrowser) and w.scope is not None) or (
                isinstance(w, SearchWidget) and w.scope is not None
            ):
                w.scope_to(None)

    def __repr__(self) -> str:
        names = ", ".join(type(w).__name__ for w in self.widgets)
        return f"Link({self.collection.name!r}: {names})"
