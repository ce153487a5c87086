"""Embedder protocol, registry and the built-in providers."""

from __future__ import annotations

import os
import subprocess
import sys
import types
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest

import vecstore_lab as vl
from vecstore_lab import errors
from vecstore_lab.embedders import Embedder, embedder_from_config, get_embedder, registry

if TYPE_CHECKING:
    from collections.abc import Sequence


def test_hash_embedder_is_deterministic_across_processes() -> None:
    e = vl.HashEmbedder(dim=16)
    here = e.embed_documents(["the same text"])[0]
    code = (
        "import vecstore_lab as vl;"
        "print(list(vl.HashEmbedder(dim=16).embed_query('the same text')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    there = np.array(eval(out.stdout), dtype=np.float32)
    np.testing.assert_array_equal(here, there)
    assert here.dtype == np.float32
    assert np.linalg.norm(here) == pytest.approx(1.0)


def test_hash_embedder_shares_words() -> None:
    e = vl.HashEmbedder(dim=256)
    a, b, c = e.embed_documents(["red apple pie", "red apple tart", "quantum chromodynamics"])
    assert a @ b > a @ c
    assert e.embed_documents([]).shape == (0, 256)
    assert np.isfinite(e.embed_query("!!!")).all()


@pytest.mark.parametrize("bad", [[""], ["   "], [None], [3], "not a list"])
def test_embedders_reject_bad_text(bad: Any) -> None:
    with pytest.raises(errors.InvalidTextError):
        vl.HashEmbedder(dim=8).embed_documents(bad)


def test_registry_lookup_and_errors() -> None:
    assert {"hashing", "sentence-transformers"} <= set(vl.list_embedders())
    assert isinstance(get_embedder("hashing", dim=4), Embedder)
    with pytest.raises(errors.UnknownComponentError) as info:
        get_embedder("nope")
    assert "available:" in str(info.value) and "hashing" in str(info.value)
    with pytest.raises(ValueError, match="already registered"):
        vl.register_embedder("hashing", vl.HashEmbedder)


def test_register_user_embedder_as_decorator() -> None:
    @vl.register_embedder("constant-test")
    class Constant:
        name = "constant-test"
        dim = 3

        def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
            return np.ones((len(texts), 3), dtype=np.float32)

        def embed_query(self, text: str) -> np.ndarray:
            return np.ones(3, dtype=np.float32)

        def config(self) -> dict[str, Any]:
            return {}

    try:
        e = embedder_from_config({"name": "constant-test", "config": {}})
        assert isinstance(e, Constant)
    finally:
        registry._factories.pop("constant-test")


def test_factory_must_return_an_embedder() -> None:
    vl.register_embedder("not-an-embedder", object)
    try:
        with pytest.raises(errors.EmbedderError, match="lacks the Embedder protocol"):
            get_embedder("not-an-embedder")
    finally:
        registry._factories.pop("not-an-embedder")


def test_config_round_trip() -> None:
    e = vl.HashEmbedder(dim=10, bigrams=False)
    again = embedder_from_config({"name": e.name, "config": e.config()})
    assert isinstance(again, vl.HashEmbedder) and again.config() == e.config()
    st = vl.SentenceTransformerEmbedder(query_prompt="query: ")
    assert st.config() == {
        "model": "all-MiniLM-L6-v2",
        "normalize": True,
        "query_prompt": "query: ",
    }


@pytest.mark.slow
def test_minilm_gives_semantic_order() -> None:
    e = vl.SentenceTransformerEmbedder()
    assert e.dim == 384
    docs = e.embed_documents(["a kitten on a rug", "stock market crash"])
    q = e.embed_query("a cat sat on the mat")
    assert docs.dtype == np.float32 and docs.shape == (2, 384)
    np.testing.assert_allclose(np.linalg.norm(docs, axis=1), 1.0, rtol=1e-5)
    assert q @ docs[0] > q @ docs[1] + 0.2
    assert e.count_tokens(["hello world"]) == [2]


def test_missing_model_path_is_an_embedder_error(tmp_path: Any) -> None:
    e = vl.SentenceTransformerEmbedder(model=str(tmp_path / "no-such-model"))
    with pytest.raises(errors.EmbedderError, match="could not load"):
        e.embed_query("hi")


def test_import_is_cheap() -> None:
    code = (
        "import sys, vecstore_lab; vecstore_lab.Collection; vecstore_lab.sql;"
        "heavy = [m for m in ('torch', 'sentence_transformers', 'transformers', 'duckdb',"
        " 'polars', 'langchain_core', 'llama_index') if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"  # the classes load no model and no extra's framework
    code = (
        "import sys, vecstore_lab;"
        "heavy = [m for m in ('torch', 'sentence_transformers', 'lancedb', 'transformers',"
        " 'lance', 'pandas', 'duckdb', 'polars', 'langchain_core', 'llama_index')"
        " if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_info_reads_through_lance_alone(tmp_path: Any) -> None:
    """`vecstore-lab info` on a MiniLM collection imports neither LanceDB's connection nor the
    model: it reads the table through `lance` (bench/bench_cli.py times it)."""
    db = vl.connect(tmp_path, embedder="sentence-transformers", embedding_cache=False)
    version = db.create_collection("minilm").version
    code = (
        "import sys; from vecstore_lab.cli import main; main(['info', sys.argv[1]]);"
        "print([m for m in ('torch', 'sentence_transformers', 'lancedb', 'transformers')"
        " if m in sys.modules])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True
    )
    assert out.stdout.splitlines() == [
        "minilm: 0 rows, dim=384, distance=cosine, embedder={'config': {'model': "
        "'all-MiniLM-L6-v2', 'normalize': True}, 'name': 'sentence-transformers'}, "
        f"version={version}",
        "[]",
    ]


def test_entry_point_plugins_are_discovered(tmp_path: Any) -> None:
    pkg = tmp_path / "plugin_pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(
        "from vecstore_lab import HashEmbedder\n"
        "class PluginEmbedder(HashEmbedder):\n"
        "    name = 'plugin-emb'\n"
    )
    dist = tmp_path / "plugin_pkg-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: plugin-pkg\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(
        "[vecstore_lab.embedders]\nplugin-emb = plugin_pkg:PluginEmbedder\n"
    )
    code = (
        "import vecstore_lab as vl;"
        "e = vl.get_embedder('plugin-emb', dim=4);"
        "print('plugin-emb' in vl.list_embedders(), type(e).__name__)"
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.split() == ["True", "PluginEmbedder"]


def test_passive_threads_leaves_a_chosen_policy_and_a_loaded_torch_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from vecstore_lab.embedders.sentence_transformers import passive_threads

    monkeypatch.delitem(sys.modules, "torch", raising=False)  # as before torch loads
    monkeypatch.setenv("OMP_WAIT_POLICY", "ACTIVE")
    passive_threads()
    assert os.environ["OMP_WAIT_POLICY"] == "ACTIVE"  # the user's choice stands
    monkeypatch.delenv("OMP_WAIT_POLICY")
    passive_threads()
    assert os.environ["OMP_WAIT_POLICY"] == "PASSIVE"
    monkeypatch.delenv("OMP_WAIT_POLICY")
    monkeypatch.setitem(sys.modules, "torch", types.ModuleType("torch"))  # loaded: too late
    passive_threads()
    assert "OMP_WAIT_POLICY" not in os.environ
