"""``SearchWidget``: query a collection from a notebook and see why each hit scored as it did."""

from __future__ import annotations

import contextlib
import time
from typing import TYPE_CHECKING, Any

import pyarrow.compute as pc
import traitlets as t

from vecstore_lab._render.html import results_html, results_payload
from vecstore_lab._render.terms import matching_words
from vecstore_lab.errors import InvalidInputError, VecStoreError
from vecstore_lab.eval.judgements import Judgements
from vecstore_lab.filters import Filter, all_of, parse_where
from vecstore_lab.rerankers import list_rerankers
from vecstore_lab.results import without_vectors
from vecstore_lab.spec import MODES, QuerySpec
from vecstore_lab.widgets._base import ArrowTable, VecWidget, command
from vecstore_lab.widgets._compare import Side, sides_of, summary_of
from vecstore_lab.widgets._hints import filter_example

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from vecstore_lab.collection import Collection
    from vecstore_lab.eval.configs import Config
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

    ``compare={"vector": {"mode": "vector"}, "hybrid + rerank": spec}`` (or a pair of
    configurations: ``QuerySpec``, ``SearchConfig`` for another collection, or query options)
    answers each query with both, side by side: lines join the same id across the columns
    (rank movement), hits only one side found are marked new or dropped, each column has its
    own score breakdown and timing, and a summary gives overlap@k, rank-biased overlap and,
    with judgements, nDCG@k of each side. The query, k and filter come from the widget; each
    side keeps its own mode, fusion and reranker. Grading works in both columns.

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
    compared = t.List(t.Unicode()).tag(sync=True)  # the two sides' names; [] when not comparing
    results_b = ArrowTable().tag(sync=True)  # compare mode: the second side's hits
    status_b = t.Unicode("").tag(sync=True)  # compare mode: the second side's status
    scope_note = t.Unicode("").tag(sync=True)  # "within 1,204 rows picked in linked views"
    compare_summary = t.Dict().tag(sync=True)  # {k, overlap, rbo, ndcg: [a, b], judged: [a, b]}

    def __init__(
        self,
        collection: Collection,
        *,
        judgements: Judgements | bool | None = None,
        compare: Mapping[str, Config] | Sequence[Config] | None = None,
        **kwargs: Any,
    ) -> None:
        self.sides: tuple[Side, Side] | None = None if compare is None else sides_of(compare)
        if self.sides is not None:
            kwargs.setdefault("compared", [side.name for side in self.sides])
        if judgements is True:
            judgements = Judgements(collection)
        # (not `judgements or None`: a Judgements with no grade yet has len 0)
        self.judgements = judgements if isinstance(judgements, Judgements) else None
        if self.judgements is not None:
            kwargs.setdefault("judge", self.judgements.judge)
        kwargs.setdefault("rerankers", list_rerankers())
        kwargs.setdefault("filter_hint", filter_example(collection.metadata_schema))
        self.collection = collection
        self.last_results: QueryResults | None = None  # (compare mode: the first side's)
        self.compared_results: tuple[QueryResults, QueryResults] | None = None
        self.searches = 0  # searches run (live mode runs fewer than keystrokes)
        self.scope: Filter | None = None  # rows linked views picked (``scope_to``)
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
        if self.sides is not None:
            return self._search_both(self.sides)
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

    def _search_both(self, sides: tuple[Side, Side]) -> QueryResults:
        """Compare mode: both sides answer the query; the first side's results are returned."""
        if not self.query.strip():
            self.busy = False
            raise InvalidInputError("compare mode needs a query text")
        where = all_of(parse_where(self.where), self.scope)
        try:
            (a, status_a), (b, status_b) = (
                side.run(self.collection, self.query, self.k, where) for side in sides
            )
        except VecStoreError as exc:
            self.error = str(exc)
            self.status = self.status_b = ""
            raise
        finally:
            self.busy = False
        self.last_results, self.compared_results = a, (a, b)
        texts = [*a.texts, *b.texts]
        self.marks = matching_words(self.query, texts, a.full_text)
        grades = self.judgements.for_query(self.query) if self.judgements is not None else None
        self.compare_summary = summary_of(a, b, self.k, grades)
        self.results_b = without_vectors(b.to_arrow())
        self.results = without_vectors(a.to_arrow())
        self.status, self.status_b = status_a, status_b
        self._show_grades([*a.ids, *b.ids])
        return a

    def scope_to(self, where: Filter | None, note: str = "") -> None:
        """Search only the rows ``where`` keeps (with the filter box's own filter), or every
        row again with ``None``; ``note`` says why. The query on screen runs again. What a
        ``Link`` does when other views pick rows."""
        self.scope = where
        self.scope_note = note if where is not None else ""
        if self.query.strip():
            with contextlib.suppress(VecStoreError):  # shown in the widget (``error``)
                self.search()

    @property
    def spec(self) -> QuerySpec:
        """The ``QuerySpec`` the widget's settings describe (what ``search`` runs)."""
        return QuerySpec(
            self.query or None,
            k=self.k,
            mode=self.mode,
            where=all_of(parse_where(self.where), self.scope),
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
        self._rescore()

    def _rescore(self) -> None:
        """Compare mode: a new grade changes each side's nDCG@k."""
        if self.compared_results is not None and self.judgements is not None:
            a, b = self.compared_results
            grades = self.judgements.for_query(self.graded_query)
            self.compare_summary = summary_of(a, b, self.k, grades)

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
        self._rescore()
        return {"copied": copied}, []

    def why(self, id: str, side: str = "a") -> Any:
        """The ``Reasons`` of hit ``id`` on screen (compare mode: of side ``"b"`` too): what
        the "why?" button on a card shows."""
        results = self.last_results
        if side == "b" and self.compared_results is not None:
            results = self.compared_results[1]
        if results is None:
            raise InvalidInputError("search first: why() explains a hit on screen")
        return results.why(id)

    @command("why")
    def _why_command(self, id: str, side: str = "a") -> tuple[dict[str, Any], list[bytes]]:
        reasons = self.why(id, side)
        sentences = reasons.sentences.filter(pc.less_equal(reasons.sentences.column("rank"), 3))
        return {
            "terms": reasons.terms.drop_columns(["id"]).to_pylist(),
            "sentences": sentences.drop_columns(["id"]).to_pylist(),
            "tokens": reasons.tokens.drop_columns(["id"]).to_pylist(),
        }, []

    @command("search")
    def _search_command(
        self, query: str | None = None, **settings: Any
    ) -> tuple[dict[str, Any], list[bytes]]:
        # The request carries what the boxes show: a host may deliver it before the trait
        # updates sent just ahead of it (marimo does), and the search must use these.
        results = self.search(query, **settings)
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
