"""RecursiveCharacterTextSplitter: LangChain's semantics, checked against LangChain itself."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from langchain_text_splitters import RecursiveCharacterTextSplitter as LangChainSplitter

import vecstore_lab as vl
from vecstore_lab.errors import InvalidInputError, InvalidTextError

TEXT = (
    "Vector search finds similar things.\n\nIt embeds text into vectors. Then it looks for "
    "neighbours.\nHybrid search adds keywords.\n\nRerankers reorder the best candidates, "
    "and every stage has a score."
)

pieces = st.sampled_from(["word", "a", "longerword", " ", "\n", "\n\n", ".", "é", "  "])
texts = st.lists(pieces, max_size=60).map("".join)


@settings(max_examples=300, deadline=None)
@given(
    text=texts,
    chunk_size=st.integers(1, 40),
    overlap_frac=st.floats(0, 0.99),
    keep=st.sampled_from([True, False, "start", "end"]),
)
def test_matches_langchain_on_random_text(
    text: str, chunk_size: int, overlap_frac: float, keep: bool | str
) -> None:
    overlap = min(int(chunk_size * overlap_frac), chunk_size - 1)
    ours = vl.RecursiveCharacterTextSplitter(chunk_size, overlap, keep_separator=keep)  # type: ignore[arg-type]
    ref = LangChainSplitter(chunk_size=chunk_size, chunk_overlap=overlap, keep_separator=keep)
    assert ours.split_text(text) == ref.split_text(text)


@pytest.mark.parametrize("chunk_size", [20, 50, 80, 1000])
@pytest.mark.parametrize("separators", [None, ["\n\n", "\n", ". ", " ", ""], ["\\s+"]])
def test_matches_langchain_on_prose(chunk_size: int, separators: list[str] | None) -> None:
    regex = separators == ["\\s+"]
    ours = vl.RecursiveCharacterTextSplitter(
        chunk_size, chunk_size // 5, separators=separators, is_separator_regex=regex
    )
    ref = LangChainSplitter(
        chunk_size=chunk_size,
        chunk_overlap=chunk_size // 5,
        separators=separators,
        is_separator_regex=regex,
    )
    assert ours.split_text(TEXT) == ref.split_text(TEXT)


def test_chunks_respect_size_and_overlap() -> None:
    s = vl.RecursiveCharacterTextSplitter(chunk_size=40, chunk_overlap=10)
    chunks = s.split_text(TEXT)
    assert all(len(c) <= 40 for c in chunks)
    assert len(chunks) > 3
    # neighbours share text when words allow it
    shared = sum(1 for a, b in itertools.pairwise(chunks) if a.split()[-1] in b)
    assert shared >= 1


def test_defaults_and_validation() -> None:
    s = vl.RecursiveCharacterTextSplitter()
    assert (s.chunk_size, s.chunk_overlap) == (1000, 200)
    assert s.separators == ["\n\n", "\n", " ", ""]
    assert s.split_text(TEXT) == [TEXT]
    with pytest.raises(InvalidInputError, match="chunk_overlap"):
        vl.RecursiveCharacterTextSplitter(chunk_size=10, chunk_overlap=10)
    with pytest.raises(InvalidInputError, match="chunk_overlap"):
        vl.RecursiveCharacterTextSplitter(chunk_size=10, chunk_overlap=-1)
    with pytest.raises(InvalidInputError, match="chunk_size"):
        vl.RecursiveCharacterTextSplitter(chunk_size=0, chunk_overlap=0)
    with pytest.raises(InvalidInputError, match="keep_separator"):
        vl.RecursiveCharacterTextSplitter(keep_separator="middle")  # type: ignore[arg-type]
    with pytest.raises(InvalidTextError):
        s.split_text(None)  # type: ignore[arg-type]


def test_split_documents_carries_metadata_and_offsets() -> None:
    s = vl.RecursiveCharacterTextSplitter(chunk_size=50, chunk_overlap=15)
    docs = [
        vl.Document(TEXT, {"source": "a.md"}),
        "a plain string document that is long enough to be split in two pieces",
        {"text": "short dict doc", "metadata": {"source": "c"}},
    ]
    chunks = s.split_documents(docs)
    by_source: dict[object, list[vl.Document]] = {}
    for c in chunks:
        by_source.setdefault(c.metadata.get("source"), []).append(c)
    assert [c.metadata["chunk_index"] for c in by_source["a.md"]] == list(
        range(len(by_source["a.md"]))
    )
    originals = {"a.md": TEXT, None: docs[1], "c": "short dict doc"}
    for source, group in by_source.items():
        text = originals[source]
        for c in group:
            start = c.metadata["start_index"]
            assert text[start : start + len(c.text)] == c.text  # type: ignore[index]
    ref = LangChainSplitter(chunk_size=50, chunk_overlap=15, add_start_index=True)
    lc = ref.create_documents([TEXT], [{"source": "a.md"}])
    assert [(d.page_content, d.metadata["start_index"]) for d in lc] == [
        (c.text, c.metadata["start_index"]) for c in by_source["a.md"]
    ]
    with pytest.raises(InvalidInputError, match="position 0"):
        s.split_documents([42])  # type: ignore[list-item]


def test_token_length_with_embedder() -> None:
    e = vl.HashEmbedder(dim=8)
    s = vl.RecursiveCharacterTextSplitter.from_embedder(e, chunk_size=6, chunk_overlap=2)
    chunks = s.split_text(TEXT)
    assert all(e.count_tokens([c])[0] <= 6 for c in chunks)
    assert len(chunks) > len(TEXT.split()) // 6

    class NoTokens:
        name = "x"

    with pytest.raises(InvalidInputError, match="count_tokens"):
        vl.RecursiveCharacterTextSplitter.from_embedder(NoTokens())


@pytest.mark.slow
def test_token_length_with_minilm_tokenizer() -> None:
    e = vl.SentenceTransformerEmbedder()
    s = vl.RecursiveCharacterTextSplitter.from_embedder(e, chunk_size=12, chunk_overlap=3)
    chunks = s.split_text(TEXT)
    tok = e.tokenizer()
    assert all(len(tok.encode(c, add_special_tokens=False)) <= 12 for c in chunks)
    ref = LangChainSplitter.from_huggingface_tokenizer(tok, chunk_size=12, chunk_overlap=3)
    assert chunks == ref.split_text(TEXT)
    same = vl.RecursiveCharacterTextSplitter.from_huggingface_tokenizer(
        tok, chunk_size=12, chunk_overlap=3
    )
    assert same.split_text(TEXT) == chunks
