"""Notebook widgets (anywidget): search with score breakdowns, live telemetry, a collection
browser, an embedding map, facets (bar charts and histograms of metadata), an evaluation
view and blind pooled judging; ``link`` makes them filter each other. Each is a thin view
over the same API scripts use; each module here pairs with ``js/src/<name>.ts``."""

from __future__ import annotations

from vecstore_lab.widgets.browser import CollectionBrowser
from vecstore_lab.widgets.embedding_map import EmbeddingMap
from vecstore_lab.widgets.evaluation import DrillDown, EvalWidget
from vecstore_lab.widgets.facet import FacetWidget
from vecstore_lab.widgets.judge import JudgeWidget
from vecstore_lab.widgets.link import Link, link
from vecstore_lab.widgets.map_compare import MapComparison
from vecstore_lab.widgets.search import SearchWidget
from vecstore_lab.widgets.telemetry import TelemetryWidget

__all__ = [
    "CollectionBrowser",
    "DrillDown",
    "EmbeddingMap",
    "EvalWidget",
    "FacetWidget",
    "JudgeWidget",
    "Link",
    "MapComparison",
    "SearchWidget",
    "TelemetryWidget",
    "link",
]
