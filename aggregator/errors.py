"""Errors the run loop knows how to report. Messages are one line, for humans."""


class SourceError(Exception):
    """The whole source failed: it keeps its last good file and the run exits 3."""


class ItemError(Exception):
    """One remote item could not be used: counted, reported, the source goes on."""


class OutOfTime(Exception):
    """A source's or the run's time budget ran out: the source fails and keeps its
    last good file. Not a SourceError on purpose: an adapter that tolerates one
    failed request (a package the server cannot show) must not swallow this."""
