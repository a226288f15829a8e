"""Errors the run loop knows how to report. Messages are one line, for humans."""


class SourceError(Exception):
    """The whole source failed: it keeps its last good file and the run exits 3."""


class ItemError(Exception):
    """One remote item could not be used: counted, reported, the source goes on."""
