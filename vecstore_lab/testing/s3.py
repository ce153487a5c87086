"""A real S3-compatible server on 127.0.0.1 (moto's standalone server), for trying object storage
offline: ``vl.connect(s3.uri("db"), storage_options=s3.storage_options)``.

Every server gets a fresh bucket and a fresh random secret key, so a test can look for that
secret anywhere it must not be (``s3.stored_bytes()`` reads back every object in the bucket).
Needs ``pip install 'vecstore-lab[s3-server]'``.

Examples:
    >>> from vecstore_lab.testing import LocalS3
    >>> with LocalS3() as s3:
    ...     print(s3.uri("db").startswith("s3://vsl-"), s3.endpoint.startswith("http://127.0.0.1:"))
    True True
"""

from __future__ import annotations

import logging
import secrets
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
        self.endpoint = ""

    def start(self) -> Self:
        try:
            from moto.server import ThreadedMotoServer
        except ImportError as exc:
            raise MissingDependencyError(
                "the local S3 server needs moto: pip install 'vecstore-lab[s3-server]'"
            ) from exc
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per request otherwise
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        self.client().create_bucket(Bucket=self.bucket)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

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
