"""Test helpers that ship with the library, so users can test their own search code offline."""

from vecstore_lab.testing.clock import FakeClock
from vecstore_lab.testing.openai_server import FakeOpenAIServer, Fault, RecordedRequest
from vecstore_lab.testing.s3 import LocalS3

__all__ = ["FakeClock", "FakeOpenAIServer", "Fault", "LocalS3", "RecordedRequest"]
