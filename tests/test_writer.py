"""The build's writer: a file is written only when its bytes change, and a
rewrite overwrites the file in place (same inode), cut to the new length."""

from __future__ import annotations

import os

from plugins.portal_site.writer import PortalWriter


def _writer(out) -> PortalWriter:
    return PortalWriter(str(out), settings={})


def test_a_new_file_is_written_in_new_folders(tmp_path):
    w = _writer(tmp_path)
    assert w.write_bytes("a/b/index.html", "hola") is True
    assert (tmp_path / "a" / "b" / "index.html").read_bytes() == b"hola"
    assert (w.written, w.unchanged) == (1, 0)


def test_same_bytes_leave_the_file_untouched(tmp_path):
    (tmp_path / "x.html").write_bytes(b"igual")
    os.utime(tmp_path / "x.html", ns=(1_000_000_000, 1_000_000_000))
    w = _writer(tmp_path)
    assert w.write_bytes("x.html", b"igual") is False
    assert (w.written, w.unchanged) == (0, 1)
    assert (tmp_path / "x.html").stat().st_mtime_ns == 1_000_000_000


def test_shorter_content_truncates_the_old_file(tmp_path):
    path = tmp_path / "x.html"
    path.write_bytes(b"un texto bastante largo que ya estaba")
    inode = path.stat().st_ino
    w = _writer(tmp_path)
    assert w.write_bytes("x.html", b"corto") is True
    assert path.read_bytes() == b"corto"
    assert path.stat().st_ino == inode          # overwritten in place
    assert (w.written, w.unchanged) == (1, 0)


def test_longer_and_same_length_content_replace_the_old(tmp_path):
    path = tmp_path / "x.html"
    path.write_bytes(b"abc")
    w = _writer(tmp_path)
    assert w.write_bytes("x.html", b"abcdefgh") is True
    assert path.read_bytes() == b"abcdefgh"
    assert w.write_bytes("y.html", b"12345678") is True
    assert w.write_bytes("x.html", b"ABCDEFGH") is False     # claimed twice: first stays
    assert path.read_bytes() == b"abcdefgh"
    w2 = _writer(tmp_path)
    assert w2.write_bytes("x.html", b"ABCDEFGH") is True     # same length, other bytes
    assert path.read_bytes() == b"ABCDEFGH"
    assert (w2.written, w2.unchanged) == (1, 0)
