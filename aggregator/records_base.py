"""What every record of the snapshot (format v1) builds on: `RecordError`, the
readers of single fields (`_text`, `_int`...), `License`, `Resource` and the
`Record` base class. The record types live beside it (`records.py`,
`records_registers.py`, `records_obras.py`); this module imports none of them,
so they can all import it.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, ClassVar


class RecordError(ValueError):
    """A snapshot record that cannot be used; the message names the problem."""


def _text(value: Any, name: str, required: bool = False) -> str | None:
    if value is None or value == "":
        if required:
            raise RecordError(f"missing '{name}'")
        return None
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value)
    # YAML written by other tools may carry unquoted dates: keep their ISO form.
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise RecordError(f"'{name}' must be text, not {type(value).__name__}")


def _texts(value: Any, name: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value else []
    if not isinstance(value, list):
        raise RecordError(f"'{name}' must be a list")
    return [t for t in (_text(v, name) for v in value) if t]


def _float(value: Any, name: str) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise RecordError(f"'{name}' must be a number")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise RecordError(f"'{name}' must be a number, not {value!r}") from None


def _int(value: Any, name: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise RecordError(f"'{name}' must be a number")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise RecordError(f"'{name}' must be a number, not {value!r}") from None


@dataclass(slots=True)
class License:
    id: str | None = None
    title: str | None = None
    url: str | None = None

    def to_dict(self) -> dict:
        return {"id": self.id, "title": self.title, "url": self.url}

    @classmethod
    def from_dict(cls, d: Any) -> License | None:
        if d is None:
            return None
        if not isinstance(d, dict):
            raise RecordError("'license' must be a mapping")
        lic = cls(_text(d.get("id"), "license.id"), _text(d.get("title"), "license.title"),
                  _text(d.get("url"), "license.url"))
        return lic if (lic.id or lic.title or lic.url) else None


@dataclass(slots=True)
class Resource:
    title: str | None = None
    format: str | None = None
    url: str | None = None
    size: int | None = None
    modified: str | None = None
    media_type: str | None = None     # IANA media type as the source declared it

    def to_dict(self) -> dict:
        out = {"title": self.title, "format": self.format, "url": self.url,
               "size": self.size, "modified": self.modified}
        if self.media_type:     # written only when known: older files keep their bytes
            out["media_type"] = self.media_type
        return out

    @classmethod
    def from_dict(cls, d: Any) -> Resource:
        if not isinstance(d, dict):
            raise RecordError("each resource must be a mapping")
        return cls(_text(d.get("title"), "resources.title"),
                   _text(d.get("format"), "resources.format"),
                   _text(d.get("url"), "resources.url"),
                   _int(d.get("size"), "resources.size"),
                   _text(d.get("modified"), "resources.modified"),
                   _text(d.get("media_type"), "resources.media_type"))


@dataclass(slots=True, kw_only=True)
class Record:
    """Fields every record carries. `type` names the subclass in YAML."""

    TYPE: ClassVar[str] = ""
    id: str
    source: str
    remote_id: str
    url: str | None = None
    institution: str | None = None
    title: str = ""

    def to_dict(self) -> dict:
        out: dict[str, Any] = {"id": self.id, "type": self.TYPE}
        for f in fields(self):
            if f.name == "id":
                continue
            value = getattr(self, f.name)
            if isinstance(value, (License, Resource)):
                value = value.to_dict()
            elif isinstance(value, list):
                value = [v.to_dict() if isinstance(v, Resource) else v for v in value]
            out[f.name] = value
        return out

    @classmethod
    def _common(cls, d: dict) -> dict:
        rid = _text(d.get("id"), "id", required=True)
        source = _text(d.get("source"), "source") or rid.split(":", 1)[0]
        remote = _text(d.get("remote_id"), "remote_id") or rid.split(":", 1)[-1]
        return {"id": rid, "source": source, "remote_id": remote,
                "url": _text(d.get("url"), "url"),
                "institution": _text(d.get("institution"), "institution"),
                "title": _text(d.get("title"), "title") or remote}
