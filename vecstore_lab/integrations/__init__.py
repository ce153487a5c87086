"""Adapters for the frameworks applications are built on: a tuned collection, used as it is.

- ``vecstore_lab.integrations.langchain``: a LangChain ``VectorStore`` over a collection, and a
  retriever that runs a whole ``QuerySpec`` (hybrid, rerankers, filters).
- ``vecstore_lab.integrations.llama_index``: a LlamaIndex ``BasePydanticVectorStore``.

Each needs its framework (the ``langchain`` and ``llama-index`` extras); importing
``vecstore_lab`` never imports them.
"""
