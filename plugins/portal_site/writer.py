"""The build's writer (Pelican's `get_writer` signal): Pelican's Writer, except that

- a file whose bytes did not change is left alone: not rewritten, its time kept,
  so a rebuild touches only what changed (rsync, a CDN upload or the next build
  see the rest untouched); `written` and `unchanged` count both;
- it notes who wrote each file (an editor's Markdown file, a portal page, the
  search page), so two things claiming one address in one build can be named
  (see `collisions`) instead of one silently replacing the other;
- the files of a build are listed, so files an earlier build wrote and this one
  no longer does can be removed (plugins/portal_site/manifest.py), and nothing
  else in the output folder is touched.
"""

from __future__ import annotations

import io
import os
from fnmatch import fnmatch
from pathlib import Path

from pelican.writers import Writer

PORTAL = "the portal"


class _Pending(io.StringIO):
    """What Pelican writes into a file, kept until closed, then committed."""

    def __init__(self, commit, path: str, encoding: str):
        super().__init__()
        self._commit, self._path, self._encoding = commit, path, encoding

    def close(self) -> None:
        if not self.closed:
            self._commit(self._path, self.getvalue().encode(self._encoding))
        super().close()


class PortalWriter(Writer):
    def __init__(self, output_path, settings=None):
        super().__init__(output_path, settings)
        self.written = 0
        self.unchanged = 0
        # output path (relative) -> who wrote it, in order
        self.origins: dict[str, list[str]] = {}
        self._origin = PORTAL

    # -- Pelican's entry points ---------------------------------------------------

    def write_file(self, name, template, context, *args, **kwargs):
        self._origin = _origin_of(kwargs, template)
        try:
            return super().write_file(name, template, context, *args, **kwargs)
        finally:
            self._origin = PORTAL

    def write_feed(self, *args, **kwargs):
        self._origin = "Pelican's feed of editors' news (FEED_ALL_ATOM)"
        try:
            return super().write_feed(*args, **kwargs)
        finally:
            self._origin = PORTAL

    def _create_new_feed(self, feed_type, feed_title, context):
        """Pelican's feed of editors' news, in the portal's language (DEFAULT_LANG)."""
        feed = super()._create_new_feed(feed_type, feed_title, context)
        feed.feed["language"] = context.get("DEFAULT_LANG")
        return feed

    def _open_w(self, filename, encoding, override=False):
        """Pelican writes through this; every write is noted and kept in memory
        until the file is closed."""
        return _Pending(self._commit, filename, encoding)

    # -- for the portal's own files -------------------------------------------------

    def write_bytes(self, name: str, data: bytes | str, origin: str = PORTAL) -> bool:
        """Write `name` (relative to the output) unless it already holds `data`."""
        if isinstance(data, str):
            data = data.encode("utf-8")
        self._origin = origin
        try:
            return self._commit(os.path.join(self.output_path, name), data)
        finally:
            self._origin = PORTAL

    def _commit(self, path: str, data: bytes) -> bool:
        rel = os.path.relpath(path, self.output_path).replace(os.sep, "/")
        claims = self.origins.setdefault(rel, [])
        claims.append(self._origin)
        if len(claims) > 1:
            return False        # a collision: the first one stays, the build stops
        if _same(path, data):
            self.unchanged += 1
            return False
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        self.written += 1
        return True

    # -- after the build ----------------------------------------------------------

    def collisions(self, portal_pages=()) -> list[str]:
        """One line per address claimed twice: by two writers in this build, or by
        an editor's file and a portal page kept from the previous build."""
        out = []
        kept = set(portal_pages)
        for rel, claims in sorted(self.origins.items()):
            if len(claims) == 1 and rel in kept and not claims[0].startswith(PORTAL):
                claims = [*claims, f"{PORTAL} (a page kept from the previous build)"]
            if len(claims) > 1:
                url = "/" + rel.removesuffix("index.html")
                out.append(f"{' and '.join(dict.fromkeys(claims))} both publish {url} "
                           f"({rel}): give the editor's file another 'slug:'")
        return out


def _same(path: str, data: bytes) -> bool:
    try:
        if os.path.getsize(path) != len(data):
            return False
        return Path(path).read_bytes() == data
    except OSError:
        return False


def shown_path(path: str) -> str:
    """A file as an editor would type it: relative to the working folder."""
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def _origin_of(kwargs: dict, template) -> str:
    """Who a page belongs to: an editor's file (by its path) or the portal."""
    for key in ("article", "page", "app", "event"):
        item = kwargs.get(key)
        source = getattr(item, "source_path", None)
        if source:
            return shown_path(source)
    name = getattr(template, "name", None) or "?"
    return f"{PORTAL} ({name} page)"


def copy_static(writer, source: Path, dest: str, ignores=()) -> list[str]:
    """Copy a folder of static files (the theme's) into the output under `dest`,
    leaving files that are already the same alone; return the output paths."""
    out = []
    for path in sorted(Path(source).rglob("*")):
        if not path.is_file() or any(fnmatch(part, pattern) for part in path.parts
                                     for pattern in ignores):
            continue
        rel = f"{dest}/{path.relative_to(source).as_posix()}"
        writer.write_bytes(rel, path.read_bytes(), origin="the theme's static files")
        out.append(rel)
    return out
