"""Search: running one ``QuerySpec`` and the engine around it.

``run`` (LanceDB vector and full-text searches, fusion, reranking, our result schema) ·
``exact`` (exact search from an in-memory matrix) and ``gemv`` (its products) · ``embedding``
(documents through the cache, queries directly) · ``engine`` (index builds, query plans,
recall, stats) · ``fulltext`` (the full-text index's language, stemming and stop words) ·
``projection`` (2-D maps, cached per version).
"""
