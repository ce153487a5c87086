"""Storage: everything that touches a LanceDB connection or table, one module per job.

``connection`` (a URI's tables, each collection's ``Store``) · ``store`` (the seam) ·
``queries`` (vector, full-text and row-id queries) · ``keyed`` (vectors by key: the embedding
cache's table) · ``log`` (append-only tables: judgements, runs) · ``commits`` (lock, declared
key, retries) · ``rows`` (batches as Arrow rows, committed) · ``ids`` (stored ids in memory) ·
``read``/``window``/``take`` (rows by id, filter, sorted pages, row ids) · ``probe`` (the table
version without a round trip) · ``indexes`` (index configs and upkeep) · ``verify`` (damaged
files) · ``fragments`` (rows written by workers, committed at once) · ``lance_errors``
(LanceDB's raw errors as typed ones).
"""
