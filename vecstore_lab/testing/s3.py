"""A real S3-compatible server on 127.0.0.1 (moto's standalone server), for trying object storage
offline: ``vl.connect(s3.uri("db"), storage_options=s3.storage_options)``.

Every server gets a fresh bucket and a fresh random secret key, so a test can look for that
secret anywhere it must not be (``s3.stored_bytes()`` reads back every object in the bucket).
An outage can be staged: ``s3.down_after(n)`` stops the server at its ``n``-th request from
then on (the port refuses connections), and ``s3.restart()`` brings it back on the same port
with every object kept. Needs ``pip install 'vecstore-lab[s3-server]'``.

Examples:
    >>> from vecstore_lab.testing import LocalS3
    >>> with LocalS3() as s3:
    ...     print(s3.uri("db").startswith("s3://vsl-"), s3.endpoint.startswith("http://127.0.0.1:"))
    True True
"""

from __future__ import annotations

import logging
import secrets
import threading
from typing import Any, Self

from vecstore_lab.errors import MissingDependencyError

__all__ = ["LocalS3"]

REGION = "us-east-1"


class LocalS3:
    """moto's S3 server in a thread, with one bucket and its credentials."""

    def __init__(self, bucket: str | None = None) -> None:
        self.bucket = bucket or f"vsl-{secrets.token_hex(4)}"
        self.access_key = f"AKIAVSL{secrets.token_hex(6).upper()}"
        self.secret_key = secrets.token_urlsafe(30)
        self._server: Any = None
        self._app: Any = None
        self._port = 0
        self._lock = threading.Lock()
        self._countdown: int | None = None
        self._stopping: threading.Thread | None = None
        self.requests = 0  # requests served since start()
        self.endpoint = ""

    def start(self) -> Self:
        try:
            from moto.moto_server.werkzeug_app import (
                DomainDispatcherApplication,
                create_backend_app,
            )
        except ImportError as exc:
            raise MissingDependencyError(
                "the local S3 server needs moto: pip install 'vecstore-lab[s3-server]'"
            ) from exc
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per request otherwise
        self._app = DomainDispatcherApplication(create_backend_app)
        self._serve()
        self.endpoint = f"http://127.0.0.1:{self._port}"
        self.client().create_bucket(Bucket=self.bucket)
        return self

    def _serve(self) -> None:
        from moto.moto_server.werkzeug_app import MotoRequestHandler
        from werkzeug.serving import make_server

        self._server = make_server(
            "127.0.0.1", self._port, self._wsgi, threaded=True, request_handler=MotoRequestHandler
        )
        self._port = int(self._server.server_address[1])
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        with self._lock:
            self.requests += 1
            if self._countdown is not None:
                self._countdown -= 1
                if self._countdown <= 0:  # the outage starts with this request
                    self._countdown = None
                    self._stopping = threading.Thread(target=self.stop, daemon=True)
                    self._stopping.start()
                    start_response("503 Service Unavailable", [("Content-Length", "0")])
                    return [b""]
        return self._app(environ, start_response)

    def down_after(self, requests: int) -> None:
        """Stop serving at the ``requests``-th request from now (it gets a 503, and the port
        refuses every connection after it) until ``restart()``."""
        with self._lock:
            self._countdown = max(1, requests)

    def restart(self) -> None:
        """Serve again on the same port after an outage; every stored object is kept."""
        with self._lock:
            self._countdown = None
        if self._stopping is not None:
            self._stopping.join()
            self._stopping = None
        if self._server is None:
            self._serve()

    def stop(self) -> None:
        """Stop serving (the objects stay in this process's memory until it exits)."""
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def uri(self, prefix: str = "db") -> str:
        """``s3://bucket/prefix``: a database location in this server's bucket."""
        return f"s3://{self.bucket}/{prefix.strip('/')}"

    @property
    def storage_options(self) -> dict[str, str]:
        """What ``vl.connect(..., storage_options=...)`` needs to reach this server."""
        return {
            "aws_endpoint": self.endpoint,
            "aws_access_key_id": self.access_key,
            "aws_secret_access_key": self.secret_key,
            "aws_region": REGION,
            "allow_http": "true",
        }

    @property
    def env(self) -> dict[str, str]:
        """The same as the standard environment variables (for the CLI and JupyterLab)."""
        return {
            "AWS_ENDPOINT": self.endpoint,
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_REGION": REGION,
            "AWS_ALLOW_HTTP": "true",
        }

    def client(self) -> Any:
        """A boto3 S3 client for this server."""
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name=REGION,
        )

    def keys(self, prefix: str = "") -> list[str]:
        """Every object key in the bucket under ``prefix``."""
        out: list[str] = []
        pages = self.client().get_paginator("list_objects_v2")
        for page in pages.paginate(Bucket=self.bucket, Prefix=prefix):
            out.extend(obj["Key"] for obj in page.get("Contents", []))
        return out

    def stored_bytes(self, prefix: str = "") -> dict[str, bytes]:
        """Every object under ``prefix``, read back whole."""
        client = self.client()
        return {
            key: client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
            for key in self.keys(prefix)
        }
