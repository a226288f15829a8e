"""The fields of each kind of editor content, and their checks.

The folder of a file under `content/` decides its kind. Every problem is a
FrontMatterError naming the file and line; all problems of a file are
reported together, so an editor fixes them in one go.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from .frontmatter import Document, FrontMatterError

# Images are loaded with the page: they count towards its 50 KB budget.
IMAGE_MAX_BYTES = 40 * 1024


@dataclass(frozen=True)
class Spec:
    type: str
    required: bool = False
    help: str = ""


_PUBLISHING = {"slug": Spec("slug"), "status": Spec("status"), "summary": Spec("text")}

KINDS: dict[str, tuple[str, str, dict[str, Spec]]] = {
    # folder: (kind, name for messages, fields)
    "noticias": ("news", "a news item", {
        "title": Spec("text", True), "date": Spec("datetime", True),
        "modified": Spec("datetime"), "image": Spec("image"), "image_alt": Spec("text"),
        "institution": Spec("text"), "author": Spec("text"), "tags": Spec("list"),
        **_PUBLISHING}),
    "paginas": ("page", "a page", {
        "title": Spec("text", True), "order": Spec("int"), "modified": Spec("datetime"),
        **_PUBLISHING}),
    "eventos": ("event", "an event", {
        "title": Spec("text", True), "date": Spec("datetime", True),
        "place": Spec("text", True), "end": Spec("datetime"), "url": Spec("url"),
        "institution": Spec("text"), **_PUBLISHING}),
    "apps": ("app", "an app", {
        "title": Spec("text", True), "url": Spec("url", True), "summary": Spec("text", True),
        "image": Spec("image"), "image_alt": Spec("text"), "author": Spec("text"),
        "datasets": Spec("list"), "featured": Spec("bool"), "date": Spec("datetime"),
        "slug": Spec("slug"), "status": Spec("status")}),
}

_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_TRUE = {"true", "yes", "si", "sí", "1"}
_FALSE = {"false", "no", "0"}
STATUSES = {"published", "draft", "hidden"}


def kind_of(source_path: str) -> tuple[str, str, dict[str, Spec]] | None:
    """The kind of a file from its folder under content/ (None: not editor content)."""
    first = Path(source_path).parts[0] if Path(source_path).parts else ""
    return KINDS.get(first)


def parse_datetime(text: str) -> datetime | None:
    m = _DATE.match(text.strip())
    if not m:
        return None
    y, mo, d, h, mi, s = (int(g) if g else 0 for g in m.groups())
    try:
        return datetime(y, mo, d, h, mi, s)
    except ValueError:
        return None


def _convert(name: str, spec: Spec, value, path: str, line: int, root: Path):
    def fail(message: str):
        raise FrontMatterError(path, line, message)

    if spec.type == "list":
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        return value
    if isinstance(value, list):
        fail(f"'{name}' must be a single value, not a list")
    text = value
    if spec.type == "text":
        return text
    if spec.type == "datetime":
        parsed = parse_datetime(text)
        if parsed is None:
            fail(f"'{name}' is not a date: \"{text}\" (write YYYY-MM-DD, or "
                 "YYYY-MM-DD HH:MM for a time, e.g. 2026-03-31 18:30)")
        return parsed
    if spec.type == "url":
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            fail(f"'{name}' is not a web address: \"{text}\" (it must start with https://)")
        return text
    if spec.type == "image":
        if "://" in text or text.startswith(("//", "data:")):
            fail(f"'{name}' must be a file in content/images/, not a remote address: "
                 f"\"{text}\" (the portal loads nothing from other sites)")
        rel = text.removeprefix("{static}").lstrip("/")
        file = (root / rel).resolve()
        if not file.is_file() or root.resolve() not in file.parents:
            fail(f"'{name}' file not found: \"{text}\" (put it in content/images/ and write "
                 "images/<file>)")
        size = file.stat().st_size
        if size > IMAGE_MAX_BYTES:
            fail(f"'{name}' is {size // 1024} KB: keep images under "
                 f"{IMAGE_MAX_BYTES // 1024} KB (every page must stay under 50 KB)")
        return rel
    if spec.type == "bool":
        low = text.lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        fail(f"'{name}' must be true or false, not \"{text}\"")
    if spec.type == "int":
        if not re.fullmatch(r"-?\d+", text):
            fail(f"'{name}' must be a whole number, not \"{text}\"")
        return int(text)
    if spec.type == "slug":
        if not _SLUG.match(text):
            fail(f"'{name}' must be lowercase letters, digits and hyphens (e.g. "
                 f"nueva-version), not \"{text}\"")
        return text
    if spec.type == "status":
        if text not in STATUSES:
            fail(f"'{name}' must be one of {', '.join(sorted(STATUSES))}, not \"{text}\"")
        return text
    raise AssertionError(spec.type)


def validate(doc: Document, source_path: str, shown_path: str, content_root: Path
             ) -> tuple[dict, list[FrontMatterError]]:
    """Converted fields of an editor's file, and every problem found in it."""
    spec = kind_of(source_path)
    if spec is None:
        return {}, []
    _kind, what, fields = spec
    errors: list[FrontMatterError] = []
    values: dict = {}
    for name, field in doc.fields.items():
        if name not in fields:
            errors.append(FrontMatterError(
                shown_path, field.line, f"unknown field '{name}' (fields of {what}: "
                f"{', '.join(fields)})"))
            continue
        if field.value in (None, "", []):
            continue        # an empty field is a missing one (checked below)
        try:
            values[name] = _convert(name, fields[name], field.value, shown_path, field.line,
                                    content_root)
        except FrontMatterError as exc:
            errors.append(exc)
    for name, s in fields.items():
        if s.required and name not in values and not any(
                e.message.startswith(f"'{name}'") for e in errors):
            required = [n for n, f in fields.items() if f.required]
            errors.append(FrontMatterError(
                shown_path, 1, f"missing required field '{name}' ({what} needs: "
                f"{', '.join(required)})"))
    return values, errors
