"""A real JupyterLab on 127.0.0.1 for browser tests and the gallery (``tools/gallery.py``):
its own root folder and settings folder, a random token, up and answering before it returns."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["Lab", "free_port", "start_lab", "stop_lab"]


@dataclass
class Lab:
    """Where a started JupyterLab serves: its root folder, port and token."""

    root: Path
    port: int
    token: str

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, notebook: str) -> str:
        """``notebook`` (a path under the root) in JupyterLab, with a fresh workspace."""
        return f"{self.base}/lab/tree/{notebook}?reset&token={self.token}"

    def notebook7_url(self, notebook: str) -> str:
        """``notebook`` in Notebook 7 (the same server)."""
        return f"{self.base}/notebooks/{notebook}?token={self.token}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_lab(
    root: Path, settings: Path, *extra: str, timeout: float = 90
) -> tuple[Lab, subprocess.Popen[bytes]]:
    """JupyterLab (and Notebook 7) serving ``root``, with user settings in ``settings``
    (``extra``: more server options). Its log is ``root/jupyterlab.log``."""
    port, token = free_port(), secrets.token_hex(16)
    # No "get notified about Jupyter news?" toast over the widgets in screenshots.
    notification = (
        settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    )
    notification.parent.mkdir(parents=True, exist_ok=True)
    notification.write_text('{"fetchNews": "false"}')
    with (root / "jupyterlab.log").open("w") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "jupyter",
                "lab",
                "--no-browser",
                "--ip=127.0.0.1",
                f"--port={port}",
                f"--IdentityProvider.token={token}",
                f"--ServerApp.root_dir={root}",
                "--LabApp.expose_app_in_browser=True",
                "--JupyterNotebookApp.expose_app_in_browser=True",
                "--LabApp.news_url=",
                "--ServerApp.open_browser=False",
                "--allow-root",
                *extra,
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=root,
            env={
                **os.environ,
                "JUPYTER_PLATFORM_DIRS": "1",
                "JUPYTERLAB_SETTINGS_DIR": str(settings),
            },
        )
    lab = Lab(root, port, token)
    deadline = time.time() + timeout
    while not _answers(f"{lab.base}/api/status?token={token}"):
        if proc.poll() is not None or time.time() > deadline:
            proc.kill()
            log_text = (root / "jupyterlab.log").read_text()[-3000:]
            raise RuntimeError(f"JupyterLab did not start:\n{log_text}")
        time.sleep(0.5)
    return lab, proc


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except OSError:
        return False


def stop_lab(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
