"""Rendering for surfaces: what widgets, the server extension and static pages show.

``html`` (static HTML of results and tables, for pages without a kernel) · ``terms`` (the
words to mark in a hit, the way the full-text index matches) · ``ipc`` (Arrow IPC bytes and
readable type names).
"""
