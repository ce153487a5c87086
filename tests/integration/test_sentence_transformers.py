"""SentenceTransformerEmbedder with the packaged MiniLM and with tiny models built here.

No model can be downloaded on this machine, so the other families are tested on small BERT
models the tests build (random weights, the packaged MiniLM tokenizer), save to disk and load
through the same code path a hub model takes.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from tiny_models import build_tiny_model

import vecstore_lab as vl
from vecstore_lab import errors

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="module")
def e5_style(models_dir: Path) -> Path:
    # No prompts in its config: the E5 family's "query: "/"passage: " come from its name.
    return build_tiny_model(models_dir / "tiny-e5-small", pooling="mean")


@pytest.fixture(scope="module")
def bge_style(models_dir: Path) -> Path:
    return build_tiny_model(
        models_dir / "tiny-retriever",
        pooling="cls",
        prompts={
            "query": "Represent this sentence for searching relevant passages: ",
            "retrieval_doc": "Document: ",
        },
    )


def reference(path: Path, text: str) -> np.ndarray:
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(path)).encode([text], normalize_embeddings=True, prompt="")[0]


def test_e5_family_prefixes_by_name(e5_style: Path) -> None:
    e = vl.SentenceTransformerEmbedder(str(e5_style))
    assert e.dim == 32
    assert (e.prompt("query"), e.prompt("document")) == ("query: ", "passage: ")
    np.testing.assert_allclose(
        e.embed_query("what is a cat"), reference(e5_style, "query: what is a cat"), atol=1e-6
    )
    np.testing.assert_allclose(
        e.embed_documents(["cats purr"])[0], reference(e5_style, "passage: cats purr"), atol=1e-6
    )
    assert not np.allclose(e.embed_query("cats purr"), e.embed_documents(["cats purr"])[0])


def test_model_config_prompts_and_prompt_names(bge_style: Path) -> None:
    e = vl.SentenceTransformerEmbedder(str(bge_style))
    query_prefix = "Represent this sentence for searching relevant passages: "
    assert e.prompt("query") == query_prefix and e.prompt("document") == ""
    np.testing.assert_allclose(
        e.embed_query("tides"), reference(bge_style, query_prefix + "tides"), atol=1e-6
    )
    named = vl.SentenceTransformerEmbedder(str(bge_style), document_prompt_name="retrieval_doc")
    np.testing.assert_allclose(
        named.embed_documents(["moon"])[0], reference(bge_style, "Document: moon"), atol=1e-6
    )
    explicit = vl.SentenceTransformerEmbedder(str(bge_style), query_prompt="Q: ")
    np.testing.assert_allclose(explicit.embed_query("x"), reference(bge_style, "Q: x"), atol=1e-6)
    bad = vl.SentenceTransformerEmbedder(str(bge_style), query_prompt_name="nope")
    with pytest.raises(errors.EmbedderError, match="no prompt named 'nope'"):
        bad.embed_query("x")


def test_collection_round_trips_a_local_model(bge_style: Path, tmp_path: Path) -> None:
    e = vl.SentenceTransformerEmbedder(str(bge_style), document_prompt_name="retrieval_doc")
    c = vl.connect(tmp_path).create_collection("tiny", embedder=e)
    c.add(ids=["a", "b"], texts=["one", "two"])
    again = vl.connect(tmp_path).get_collection("tiny")
    assert isinstance(again.embedder, vl.SentenceTransformerEmbedder)
    assert again.embedder.config() == e.config() and again.dim == 32
    # The reopened collection embeds a query exactly as the model did, and ranks the stored
    # rows by their cosine to it (two rows only: both orders are checked, not one guessed).
    q = again.embedder.embed_query("one")
    np.testing.assert_allclose(q, e.embed_query("one"), atol=1e-6)
    stored = again.get(include_vectors=True).to_arrow()
    vectors = np.stack(stored.column("vector").to_pylist())
    cos = vectors @ q / (np.linalg.norm(vectors, axis=1) * np.linalg.norm(q))
    expected = [stored.column("id")[i].as_py() for i in np.argsort(-cos)]
    assert again.query("one", k=2).ids == expected


def test_packaged_minilm_needs_no_prompt() -> None:
    e = vl.SentenceTransformerEmbedder()
    assert e.prompt("query") == "" and e.prompt("document") == ""


def test_loading_a_model_lets_torch_threads_sleep_when_idle(bge_style: Path) -> None:
    # In a new process, as a kernel starts: the policy is set before torch loads (OpenMP
    # reads it once). Who wins when the user set one is in tests/unit (passive_threads).
    code = (
        "import os, sys, vecstore_lab as vl\n"
        f"e = vl.SentenceTransformerEmbedder({str(bge_style)!r})\n"
        "assert 'torch' not in sys.modules\n"
        "assert len(e.embed_documents(['one'])) == 1 and 'torch' in sys.modules\n"
        "print(os.environ.get('OMP_WAIT_POLICY'))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "PASSIVE"
