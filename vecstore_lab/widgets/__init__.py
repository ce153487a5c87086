"""Notebook widgets (anywidget): search with score breakdowns, live telemetry, a collection
browser and an embedding map. Each is a thin view over the same API scripts use; each module
here pairs with ``js/src/<name>.ts``."""

from __future__ import annotations

from vecstore_lab.widgets.browser import CollectionBrowser
from vecstore_lab.widgets.embedding_map import EmbeddingMap
from vecstore_lab.widgets.search import SearchWidget
from vecstore_lab.widgets.telemetry import TelemetryWidget

__all__ = ["CollectionBrowser", "EmbeddingMap", "SearchWidget", "TelemetryWidget"]
