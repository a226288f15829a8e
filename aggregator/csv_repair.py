"""Reading the delimited exports public registers really publish, repaired row
by row, streamed.

InfoLobby's export (Consejo para la Transparencia) is typical of what comes out
of a government database: records end with CRLF while line breaks typed in a
field end with a bare LF or with another CRLF; delimiters inside free text are
not quoted; one file mixes Latin-1 lines with UTF-8 and double-encoded UTF-8;
and line breaks of the original text were turned into "?" somewhere upstream.
`DirtyCsv` reads such a file line by line and gives back each record once:

- every line decoded by itself: UTF-8 sequences as UTF-8, other bytes as
  Windows-1252, then double-encoded UTF-8 ("Ã³") undone;
- a record cut by line breaks inside a field (too few values) is joined with the
  next lines while that gives no more values than the header has;
- surplus values (an unquoted delimiter) are glued back: first where the piece
  after the delimiter starts with a space, as text does after a comma; then into
  the table's `overflow` column, or the last one, and the row is reported;
- in the free-text columns (`text`), a "?" that stands for a line break (it
  closes no "¿", is not in a link, and runs into the next word) becomes one.

Nothing is dropped silently: every repair and every row that could not be read
is counted in a `RowReport`, by table, problem and line number.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from .sanitize import fix_mojibake

DELIMITERS = (";", ",", "\t", "|")
# A valid UTF-8 multi-byte sequence (2-4 bytes).
_UTF8_SEQ = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}"
                       rb"|[\xf0-\xf4][\x80-\xbf]{3}")
# What starts every UTF-8 sequence of two bytes or more: cheap to look for; a
# Latin-1 line seldom has it (a letter followed by a symbol such as "¡" or "°").
_UTF8_LEAD = re.compile(rb"[\xc2-\xf4][\x80-\xbf]")
# Soft hyphens are invisible in the source and only split words here.
_SOFT_HYPHEN = "\u00ad"
# Bytes Windows-1252 leaves undefined (0x81, 0x8d, 0x8f, 0x90, 0x9d): as Latin-1.
codecs.register_error("portal-latin1", lambda e: (
    e.object[e.start:e.end].decode("latin-1"), e.end))
# Stand-in for a line break while a joined record is split into values.
_BREAK = "\u2028"
REPORT_LINES = 200      # line numbers listed per problem in a message
BLOCK = 1 << 22         # bytes decoded at once (whole lines)


class RowReport:
    """Problems of the rows read, by table and kind of problem, with the line
    numbers (or, with `unit`, other references such as ids) of the rows."""

    def __init__(self) -> None:
        self.lines: dict[tuple[str, str, str], list] = defaultdict(list)

    def add(self, table: str, line: int | str, problem: str, unit: str = "line") -> None:
        self.lines[(table, problem, unit)].append(line)

    def rows(self, table: str, problem_part: str) -> list:
        """The references reported for a table under problems containing a text."""
        return [ref for (t, p, _), refs in self.lines.items()
                if t == table and problem_part in p for ref in refs]

    def count(self, table: str | None = None) -> int:
        return sum(len(v) for (t, _, _), v in self.lines.items() if table in (None, t))

    def messages(self) -> list[str]:
        """One message per table and problem, naming every line (up to a bound)."""
        out = []
        for (table, problem, unit), lines in self.lines.items():
            shown = ", ".join(map(str, lines[:REPORT_LINES]))
            more = f" and {len(lines) - REPORT_LINES} more" if len(lines) > REPORT_LINES else ""
            what = unit if len(lines) == 1 else f"{len(lines)} {unit}s"
            out.append(f"{table}: {what} {shown}{more}: {problem}")
        return out


def decode_line(raw: bytes) -> str:
    """One line of a file that mixes encodings, as text."""
    if raw.isascii():
        return raw.decode("ascii")
    if not _UTF8_LEAD.search(raw):         # no UTF-8 sequence: Windows-1252 / Latin-1
        text = raw.decode("cp1252", errors="portal-latin1")
    else:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = _decode_mixed(raw)
    if "\u00c2" in text or "\u00c3" in text:
        text = fix_mojibake(text)
    if _SOFT_HYPHEN in text:
        text = text.replace(_SOFT_HYPHEN, "")
    return text


def _decode_mixed(raw: bytes) -> str:
    parts, last = [], 0
    for m in _UTF8_SEQ.finditer(raw):
        parts.append(raw[last:m.start()].decode("cp1252", errors="portal-latin1"))
        parts.append(m.group().decode("utf-8"))
        last = m.end()
    parts.append(raw[last:].decode("cp1252", errors="portal-latin1"))
    return "".join(parts)


def decode_block(block: bytes) -> str:
    """Many lines at once, as decode_line would give them one by one: one C call
    for a block that is all ASCII, all Windows-1252 or all UTF-8."""
    if block.isascii():
        text = block.decode("ascii")
    elif not _UTF8_LEAD.search(block):
        text = block.decode("cp1252", errors="portal-latin1")
    else:
        try:
            text = block.decode("utf-8")
        except UnicodeDecodeError:
            return "\n".join(decode_line(line) for line in block.split(b"\n"))
    if "\u00c2" in text or "\u00c3" in text:
        text = "\n".join(fix_mojibake(line) if "\u00c2" in line or "\u00c3" in line else line
                         for line in text.split("\n"))
    if _SOFT_HYPHEN in text:
        text = text.replace(_SOFT_HYPHEN, "")
    return text


_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_QUESTION_MARKS = re.compile(r"¿|\?+")
_BULLET_LINE = re.compile(r"\n([•·\-*–])[ \t]*\n")


def unbreak(text: str) -> str:
    """Line breaks an export turned into "?" given back as line breaks. A "?"
    stays when it closes a "¿", sits in a link, or ends a sentence (followed by
    a space or the end of the text, after a word)."""
    if "?" not in text:
        return text
    links = [m.span() for m in _URL.finditer(text)] if "/" in text or "www" in text else ()
    out, last, open_questions = [], 0, 0
    for m in _QUESTION_MARKS.finditer(text):
        start, end = m.span()
        if m.group() == "¿":
            open_questions += 1
            continue
        if open_questions:
            open_questions -= 1      # closes a question; a run goes on with the rest
            start += 1
            if start == end:
                continue
        if any(a <= start < b for a, b in links):
            continue
        nxt, prev = text[end:end + 1], text[start - 1:start]
        if (nxt and not nxt.isspace()) or prev in ".:;," or (
                nxt == " " and text[end + 1:end + 2] == "?"):
            out.append(text[last:start])
            out.append("\n" * (end - start))
            last = end
    if not out:
        return text
    out.append(text[last:])
    return _BULLET_LINE.sub(r"\n\1 ", "".join(out))


def detect_delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


class DirtyCsv:
    """Records of a delimited file, repaired; `rows()` yields (line, values).

    `quoting`: False for exports that never quote (a '"' is text), True for
    ordinary CSV. `overflow`: the free-text column that takes what an unquoted
    delimiter split off. `text`: free-text columns where "?" may be a line break.
    `header`: the columns in order, for a copy published without its header row
    (InfoLobby's AsistenciaPasivo.csv of 2015-02-06): used, and reported, only
    when the first line names none of them; that line is then read as data.
    """

    def __init__(self, stream: BinaryIO, name: str, report: RowReport,
                 delimiter: str | None = None, quoting: bool = True,
                 overflow: str | None = None, text: Iterable[str] = (),
                 header: list[str] | None = None):
        self.name = name
        self.report = report
        self.quoting = quoting
        self._stream = stream
        first = stream.readline()
        self.crlf = first.endswith(b"\r\n")
        header_text = decode_line(first.rstrip(b"\r\n")).lstrip("\ufeff")
        self.delimiter = delimiter or detect_delimiter(header_text)
        self.header = [h.strip() for h in self._split(header_text)]
        self._pending = b""               # a first line that is data, read again
        self._first = 1                   # line number of the header row
        if header and not set(header) & set(self.header) and len(header) == len(self.header):
            report.add(name, 1, "no header row: read as data, columns as the profile "
                                "lists them")
            self.header, self._pending, self._first = list(header), first, 0
        self.width = len(self.header)
        self._index = {h: i for i, h in enumerate(self.header)}
        self.overflow = self._index.get(overflow) if overflow else None
        self.text = [self._index[c] for c in text if c in self._index]

    def col(self, name: str) -> int | None:
        return self._index.get(name)

    def _split(self, text: str) -> list[str]:
        if not self.quoting or '"' not in text:
            return text.split(self.delimiter)
        return next(csv.reader([text], delimiter=self.delimiter, strict=False), [""])

    def _blocks(self) -> Iterator[bytes]:
        """The rest of the file in blocks that end where a record ends."""
        end = b"\r\n" if self.crlf else b"\n"
        rest = self._pending
        while True:
            block = self._stream.read(BLOCK)
            if not block:
                if rest:
                    yield rest
                return
            block = rest + block
            cut = block.rfind(end) + len(end)
            if cut < len(end):
                rest = block
                continue
            yield block[:cut]
            rest = block[cut:]

    def _physical(self) -> Iterator[tuple[int, str]]:
        """(line number, text) of each record as the file ends them: with CRLF when
        the header does, so that a bare LF is a line break inside a field."""
        number = self._first
        end = "\r\n" if self.crlf else "\n"
        for block in self._blocks():
            records = decode_block(block).split(end)
            if records[-1] == "":
                records.pop()
            for record in records:
                number += 1
                if "\n" in record:            # CRLF file: a bare LF inside a field
                    self.report.add(self.name, number, "line breaks inside a field (bare "
                                                       "LF), read as one record")
                    start = number
                    number += record.count("\n")
                    yield start, record.replace("\n", _BREAK)
                elif not self.crlf and record.endswith("\r"):
                    yield number, record[:-1]
                else:
                    yield number, record

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        width, report, name = self.width, self.report, self.name
        delimiter, plain = self.delimiter, not self.quoting
        lines = self._physical()
        held: tuple[int, str] | None = None
        while True:
            if held is not None:
                line, text = held
                held = None
            else:
                nxt = next(lines, None)
                if nxt is None:
                    return
                line, text = nxt
            values = text.split(delimiter) if plain or '"' not in text else self._split(text)
            if len(values) == width and _BREAK not in text:     # the usual row: whole
                for i in self.text:
                    if "?" in values[i]:
                        values[i] = unbreak(values[i])
                yield line, values
                continue
            if not text.strip(" \t" + _BREAK):
                continue
            joined = False
            # A record cut by line breaks: join the next lines while they fit.
            while len(values) < width:
                nxt = next(lines, None)
                if nxt is None:
                    break
                longer = self._split(text + _BREAK + nxt[1])
                if len(longer) > width:
                    held = nxt
                    break
                text, values, joined = text + _BREAK + nxt[1], longer, True
            if joined:
                report.add(name, line, "a record cut by line breaks, joined")
            if len(values) < width:
                report.add(name, line, f"fewer values than the {width} columns, "
                                       "the missing ones left empty")
                values += [""] * (width - len(values))
            elif len(values) > width:
                values = self._glue(values, line)
            if _BREAK in text or joined:
                values = [v.replace(_BREAK, "\n") for v in values]
            for i in self.text:
                if "?" in values[i]:
                    values[i] = unbreak(values[i])
            yield line, values

    def _glue(self, values: list[str], line: int) -> list[str]:
        extra = len(values) - self.width
        delim = self.delimiter
        out = [values[0]]
        for piece in values[1:]:
            if extra and piece[:1] == " ":
                out[-1] += delim + piece
                extra -= 1
            else:
                out.append(piece)
        if not extra:
            self.report.add(self.name, line, f"unquoted {delim!r} inside a field, "
                                             "glued back")
            return out
        at = self.overflow if self.overflow is not None else self.width - 1
        glued = out[:at] + [delim.join(out[at:at + extra + 1])] + out[at + extra + 1:]
        self.report.add(self.name, line, f"{extra} unquoted {delim!r} that could not be "
                                         f"placed, glued into column {self.header[at]!r}")
        return glued
