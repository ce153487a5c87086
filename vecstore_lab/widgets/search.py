"""``SearchWidget``: query a collection from a notebook and see why each hit scored as it did."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import traitlets as t

from vecstore_lab._render.html import results_html, results_payload
from vecstore_lab._render.terms import matching_words
from vecstore_lab.errors import InvalidInputError, VecStoreError
from vecstore_lab.eval.judgements import Judgements
from vecstore_lab.filters import parse_where
from vecstore_lab.rerankers import list_rerankers
from vecstore_lab.results import without_vectors
from vecstore_lab.spec import MODES, QuerySpec
from vecstore_lab.widgets._base import ArrowTable, VecWidget, command
from vecstore_lab.widgets._hints import filter_example

if TYPE_CHECKING:
    from vecstore_lab.collection import Collection
    from vecstore_lab.results import QueryResults

__all__ = ["SearchWidget", "parse_where"]  # parse_where: re-exported, it began here


class SearchWidget(VecWidget):
    """Query box, k, mode, filter and reranker picker over ``collection``; results with their
    score breakdown. Clicking a hit sets ``selected`` (observe it with ``widget.observe``).

    The widget holds no search logic: every search is ``collection.search(widget.spec)``,
    and ``results`` holds the hits as an Arrow table.

    ``judgements=True`` (or a ``Judgements``) turns on grading where the hits are: keys 0-3
    (or the chips on each card) grade the focused hit for the query on screen, j/k and the
    arrow keys move between hits, each card shows its grade and who gave it, and a hit whose
    text is exactly a graded twin's says so and offers to copy that grade. Grades are saved at
    once (``widget.judgements``, the collection's stored ``Judgements``).

    ``live=True`` searches as you type: after a short pause in typing (``debounce_ms``) the
    query is sent; while a search runs, newer keystrokes wait, and only the latest query is
    sent when it finishes. Queries typed in between are never run.

    Examples:
        >>> import vecstore_lab as vl
        >>> docs = vl.connect(tmp_path, embedder=vl.HashEmbedder(dim=16)).create_collection("d")
        >>> _ = docs.add(ids=["a", "b"], texts=["tides and the moon", "bond prices"])
        >>> w = SearchWidget(docs, k=1)
        >>> w.search("moon tides", mode="hybrid").ids
        ['a']
        >>> w
        SearchWidget(collection='d', query='moon tides', mode='hybrid', hits=1)
    """

    _bundle = "search.js"

    query = t.Unicode("").tag(sync=True)
    k = t.Int(10).tag(sync=True)
    mode = t.Enum(MODES, default_value="vector").tag(sync=True)
    modes = t.List(t.Unicode(), default_value=list(MODES)).tag(sync=True)
    where = t.Unicode("").tag(sync=True)
    rerank = t.Unicode("").tag(sync=True)
    rerankers = t.List(t.Unicode()).tag(sync=True)
    results = ArrowTable().tag(sync=True)  # the hits on screen (without vectors)
    marks = t.List(t.Unicode()).tag(sync=True)  # words of the hits that match a query term
    error = t.Unicode("").tag(sync=True)
    status = t.Unicode("").tag(sync=True)
    busy = t.Bool(False).tag(sync=True)
    selected = t.Dict(allow_none=True, default_value=None).tag(sync=True)
    live = t.Bool(False).tag(sync=True)
    debounce_ms = t.Int(60).tag(sync=True)
    filter_hint = t.Unicode("").tag(sync=True)  # the filter box's example
    judge = t.Unicode("").tag(sync=True)  # who grades here; "" when grading is off
    graded_query = t.Unicode("").tag(sync=True)  # the query the hits on screen answer
    grades = t.Dict().tag(sync=True)  # {id: [grade, judge]} standing for graded_query
    twins = t.Dict().tag(sync=True)  # {id: [ids with exactly the same text]} among the hits

    def __init__(
        self,
        collection: Collection,
        *,
        judgements: Judgements | bool | None = None,
        **kwargs: Any,
    ) -> None:
        if judgements is True:
            judgements = Judgements(collection)
        # (not `judgements or None`: a Judgements with no grade yet has len 0)
        self.judgements = judgements if isinstance(judgements, Judgements) else None
        if self.judgements is not None:
            kwargs.setdefault("judge", self.judgements.judge)
        kwargs.setdefault("rerankers", list_rerankers())
        kwargs.setdefault("filter_hint", filter_example(collection.metadata_schema))
        self.collection = collection
        self.last_results: QueryResults | None = None
        self.searches = 0  # searches run (live mode runs fewer than keystrokes)
        super().__init__(**kwargs)
        if self.query:  # SearchWidget(c, query="...") shows its hits at once
            self.search()

    def search(self, query: str | None = None, **settings: Any) -> QueryResults:
        """Run a search (with the widget's settings, updated by ``settings``) and show it.

        ``settings`` may set ``k``, ``mode``, ``where`` (text, as typed in the widget) and
        ``rerank`` (a registered name, or ``""``). Errors are shown in the widget and raised.
        """
        for key, value in settings.items():
            if key not in ("k", "mode", "where", "rerank"):
                raise TypeError(f"search() got an unexpected keyword argument {key!r}")
            setattr(self, key, value)
        if query is not None:
            self.query = query
        self.busy = True
        self.error = ""
        self.searches += 1
        start = time.perf_counter()
        try:
            results = self.collection.search(self.spec)
        except VecStoreError as exc:
            self.error = str(exc)
            self.status = ""
            raise
        finally:
            self.busy = False
        ms = (time.perf_counter() - start) * 1e3
        self.last_results = results
        # set before the hits, with the collection's full-text settings
        self.marks = matching_words(self.query, results.texts, results.full_text)
        self.results = without_vectors(results.to_arrow())
        self._show_grades(results.ids)
        rerank = f", reranked by {self.rerank}" if self.rerank else ""
        self.status = f"{len(results)} hits in {ms:.0f} ms ({self.mode}{rerank})"
        return results

    @property
    def spec(self) -> QuerySpec:
        """The ``QuerySpec`` the widget's settings describe (what ``search`` runs)."""
        return QuerySpec(
            self.query or None,
            k=self.k,
            mode=self.mode,
            where=parse_where(self.where),
            rerank=self.rerank or None,
        )

    def _show_grades(self, ids: list[str] | None = None) -> None:
        """The standing grades of the hits on screen (and their same-text twins)."""
        if self.judgements is None or not self.query.strip():
            return
        query = self.query.strip()
        graded = self.judgements.current(query)
        self.grades = {
            r["id"]: [r["grade"], r["judge"]]
            for r in graded.select(["id", "grade", "judge"]).to_pylist()
        }
        if ids is not None:
            self.twins = self.judgements.same_text(ids)
        self.graded_query = query

    def grade(self, id: str, grade: int) -> None:
        """Grade hit ``id`` for the query on screen (what the keys 0-3 do)."""
        if self.judgements is None:
            raise InvalidInputError("grading is off: SearchWidget(collection, judgements=True)")
        if not self.graded_query:
            raise InvalidInputError("search first: a grade is for the query on screen")
        self.judgements.grade(self.graded_query, id, grade, source="widget")
        self._show_grades()

    @command("grade")
    def _grade_command(self, id: str, grade: int) -> tuple[dict[str, Any], list[bytes]]:
        self.grade(id, grade)
        return {"graded": id, "grade": grade}, []  # ("id" is the request's own)

    @command("copy_grade")
    def _copy_command(self, source: str, to: list[str]) -> tuple[dict[str, Any], list[bytes]]:
        if self.judgements is None:
            raise InvalidInputError("grading is off: SearchWidget(collection, judgements=True)")
        copied = self.judgements.copy_grade(self.graded_query, source, to)
        self._show_grades()
        return {"copied": copied}, []

    @command("search")
    def _search_command(self, query: str | None = None) -> tuple[dict[str, Any], list[bytes]]:
        results = self.search(query)
        return {"hits": len(results), "query": self.query}, []

    def _static_title(self) -> str:
        about = f"{self.mode} search for {self.query!r}" if self.query else "no search yet"
        return f"SearchWidget on {self.collection.name!r}: {about}"

    def _static_html(self) -> str:
        return results_html(self.results, title=self._static_title())

    def _static_payload(self) -> dict[str, Any]:
        return results_payload(
            self.results,
            title=self._static_title(),
            query=self.query or None,
            mode=self.mode,
            words=list(self.marks),
        )

    def __repr__(self) -> str:
        hits = len(self.last_results) if self.last_results is not None else 0
        return (
            f"SearchWidget(collection={self.collection.name!r}, query={self.query!r}, "
            f"mode={self.mode!r}, hits={hits})"
        )
