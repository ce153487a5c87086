"""The Jupyter server extension: REST handlers under ``/vecstore-lab/api/`` over the collection
layer, for the JupyterLab side panel (and anything else holding the server's token).

Enabled on install (``etc/jupyter/jupyter_server_config.d/vecstore-lab.json``). Configure the
folders it may read with ``c.VecStoreLab.roots`` (default: the server's root directory), and
databases on object storage with ``c.VecStoreLab.uris`` (credentials from the environment).
"""

from __future__ import annotations

from typing import Any

__all__ = ["load_jupyter_server_extension"]


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "vecstore_lab.server"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    from vecstore_lab.server._app import setup

    setup(serverapp)


load_jupyter_server_extension = _load_jupyter_server_extension
