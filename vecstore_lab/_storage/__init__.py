"""Storage: everything that touches a LanceDB table, one module per job.

``commits`` (lock, declared key, retries) · ``rows`` (batches as Arrow rows, committed) ·
``ids`` (stored ids in memory) · ``read``/``window``/``take`` (rows by id, filter, sorted
pages, row ids) · ``probe`` (the table version without a round trip) · ``indexes`` (index
configs and upkeep) · ``verify`` (damaged files) · ``fragments`` (rows written by workers,
committed at once) · ``lance_errors`` (LanceDB's raw errors as typed ones).
"""
