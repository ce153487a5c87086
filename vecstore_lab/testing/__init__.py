"""Test helpers that ship with the library, so users can test their own search code offline."""

from vecstore_lab.testing.openai_server import Fault, FakeOpenAIServer, RecordedRequest

__all__ = ["FakeOpenAIServer", "Fault", "RecordedRequest"]
