"""A real jupyter_server on 127.0.0.1 with vecstore-lab's server extension, for tests."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator


class Server:
    def __init__(self, root: Path, port: int, token: str, s3: Any = None) -> None:
        self.root, self.port, self.token, self.s3 = root, port, token, s3

    def url(self, endpoint: str, params: dict[str, Any] | None = None) -> str:
        query = urllib.parse.urlencode(params or {})
        return f"http://127.0.0.1:{self.port}/vecstore-lab/api/{endpoint}?{query}"

    def call(
        self,
        endpoint: str,
        params: dict[str, Any] | None = None,
        *,
        body: bytes | None = None,
        token: bool = True,
        accept: str | None = None,
        timeout: float = 60,
    ) -> tuple[int, bytes, str]:
        request = urllib.request.Request(
            self.url(endpoint, params), data=body, method="POST" if body is not None else "GET"
        )
        if token:
            request.add_header("Authorization", f"token {self.token}")
        if accept:
            request.add_header("Accept", accept)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, response.read(), response.headers["Content-Type"]
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read(), exc.headers.get("Content-Type", "")

    def json(self, endpoint: str, params: dict[str, Any] | None = None, **kw: Any) -> Any:
        status, data, _ = self.call(endpoint, params, **kw)
        assert status == 200, (status, data[:500])
        return json.loads(data)

    def jupyter_status(self, timeout: float = 60) -> float:
        """Seconds Jupyter's own ``/api/status`` took to answer."""
        start = time.perf_counter()
        url = f"http://127.0.0.1:{self.port}/api/status?token={self.token}"
        with urllib.request.urlopen(url, timeout=timeout) as response:
            response.read()
        return time.perf_counter() - start


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def running_server(
    root: Path, *args: str, env: dict[str, str] | None = None, s3: Any = None
) -> Iterator[Server]:
    """``jupyter server`` over ``root`` with extra command-line ``args``, until the block ends."""
    port, token = free_port(), secrets.token_hex(16)
    log = (root.parent / f"server-{port}.log").open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter",
            "server",
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={port}",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root}",
            "--allow-root",
            *args,
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=root,
        env={**os.environ, **(env or {}), "JUPYTER_PLATFORM_DIRS": "1"},
    )
    server = Server(root, port, token, s3)
    deadline = time.time() + 90
    while True:
        try:
            server.jupyter_status(timeout=2)
            break
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                log.flush()
                raise RuntimeError(Path(log.name).read_text()[-3000:]) from None
            time.sleep(0.5)
    try:
        yield server
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()
