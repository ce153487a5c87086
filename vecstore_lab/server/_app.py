"""Registers the handlers under ``<base_url>/vecstore-lab/api/``."""

from __future__ import annotations

from typing import Any

from jupyter_server.utils import url_path_join

from vecstore_lab.server._handlers import HANDLERS
from vecstore_lab.server._limits import Limits
from vecstore_lab.server._roots import Roots, VecStoreLab
from vecstore_lab.server._state import State

__all__ = ["API", "setup"]

API = "vecstore-lab/api"


def setup(serverapp: Any) -> None:
    config = VecStoreLab(parent=serverapp)
    roots = Roots(list(config.roots) or [serverapp.root_dir], list(config.uris))
    web_app = serverapp.web_app
    limits = Limits(
        max_body_bytes=config.max_body_bytes,
        max_text_chars=config.max_text_chars,
        max_k=config.max_k,
        max_filter_depth=config.max_filter_depth,
    )
    state = State(roots, limits, workers=config.workers, max_pending=config.max_pending)
    web_app.settings["vecstore_lab"] = state
    base = web_app.settings["base_url"]
    web_app.add_handlers(
        ".*$", [(url_path_join(base, API, name), handler) for name, handler in HANDLERS]
    )
    serverapp.log.info(
        "vecstore-lab: REST API at %s over %s %s", url_path_join(base, API), roots.roots, roots.uris
    )
