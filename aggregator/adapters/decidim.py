"""Decidim participation platforms -> consultation records, via its GraphQL API.

One POST to `{base}/api` asks for the participatory spaces the source wants:
participatory processes, assemblies and (on instances that still have the
module) consultations. Translated fields (`{translations {locale text}}`) are
read in the configured locale, then the fallbacks, then any language present.
Each space links to its public page: {base}/processes/<slug>,
{base}/assemblies/<slug>, {base}/consultations/<slug>.

Decidim versions differ: when the server answers that a field does not exist
(GraphQL `undefinedField`), the query is asked again without it, and a space
type the instance lacks is skipped. A response with `errors` and no data fails
the source; `errors` beside data keeps the data, with a warning.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import quote

from ..config import ConfigError
from ..records import Consultation, Record
from ..sanitize import clean_html, plain_text, safe_url
from .base import Adapter, ItemError, Option, SourceError
from .feed import iso_datetime

TRANSLATED = "{ translations { locale text } }"
_UNDEFINED = re.compile(r"Field '(\w+)' doesn't exist on type '(\w+)'")
MAX_ATTEMPTS = 6


@dataclass
class Space:
    """One kind of participatory space: its root query field, page path and fields."""

    root: str
    path: str
    kind: str
    type_name: str
    required: list[str]
    optional: list[str] = field(default_factory=list)
    start: tuple[str, ...] = ()
    end: tuple[str, ...] = ()


SPACES = {
    "processes": Space(
        "participatoryProcesses", "processes", "proceso participativo",
        "ParticipatoryProcess", ["id", "slug", f"title {TRANSLATED}"],
        [f"subtitle {TRANSLATED}", f"shortDescription {TRANSLATED}",
         f"description {TRANSLATED}", f"developerGroup {TRANSLATED}", "startDate",
         "endDate", f"steps {{ id title {TRANSLATED} startDate endDate active position }}"],
        start=("startDate",), end=("endDate",)),
    "assemblies": Space(
        "assemblies", "assemblies", "asamblea", "Assembly",
        ["id", "slug", f"title {TRANSLATED}"],
        [f"subtitle {TRANSLATED}", f"shortDescription {TRANSLATED}",
         f"description {TRANSLATED}", f"developerGroup {TRANSLATED}", "creationDate",
         "includedAt", "closingDate"],
        start=("includedAt", "creationDate"), end=("closingDate",)),
    "consultations": Space(
        "consultations", "consultations", "consulta", "Consultation",
        ["id", "slug", f"title {TRANSLATED}"],
        [f"subtitle {TRANSLATED}", f"description {TRANSLATED}", "startVotingDate",
         "endVotingDate"],
        start=("startVotingDate",), end=("endVotingDate",)),
}


class DecidimAdapter(Adapter):
    name = "decidim"
    OPTIONS: ClassVar[dict] = {
        "locale": Option(str, "es", "language of titles and descriptions"),
        "fallback_locales": Option(list, ["en"], "languages to try next, in order"),
        "spaces": Option(list, list(SPACES), "processes, assemblies, consultations"),
        "publisher": Option(str, None, "name for reconciliation when a space has no "
                                       "promoter group (developerGroup)"),
    }

    @classmethod
    def check_options(cls, source) -> dict:
        opts = super().check_options(source)
        unknown = [s for s in opts["spaces"] if s not in SPACES]
        if unknown or not opts["spaces"]:
            raise ConfigError(f"source {source.id!r}: spaces must list some of "
                              f"{', '.join(SPACES)} (got {', '.join(map(str, unknown))})")
        if not all(isinstance(x, str) for x in opts["fallback_locales"]):
            raise ConfigError(f"source {source.id!r}: fallback_locales must be a list of codes")
        return opts

    def __init__(self, source, http, context):
        super().__init__(source, http, context)
        base = source.url.rstrip("/")
        self.base = base.removesuffix("/api")
        self.endpoint = self.base + "/api"
        self.locales = [self.options["locale"], *self.options["fallback_locales"]]

    # -- listing --------------------------------------------------------------
    def list_items(self) -> Iterator[Any]:
        spaces = {k: SPACES[k] for k in self.options["spaces"]}
        dropped: dict[str, set[str]] = {k: set() for k in spaces}
        explicit = "spaces" in self.source.options
        for _ in range(MAX_ATTEMPTS):
            doc = self._post(self._query(spaces, dropped))
            errors = [e for e in doc.get("errors") or [] if isinstance(e, dict)]
            data = doc.get("data") if isinstance(doc.get("data"), dict) else None
            undefined = [e for e in errors if _undefined(e)]
            if undefined and not data:
                retry = False
                for err in undefined:
                    typ, fld = _undefined(err)
                    for key, space in list(spaces.items()):
                        if typ == "Query" and fld == space.root:
                            spaces.pop(key)  # this instance lacks the module
                            if explicit:
                                self.warn(f"this Decidim has no {key} ({space.root}): skipped")
                            retry = True
                        elif typ == space.type_name and fld in _names(space.optional) \
                                and fld not in dropped[key]:
                            dropped[key].add(fld)
                            retry = True
                if retry and spaces:
                    continue
            break
        else:
            raise SourceError(f"Decidim API at {self.endpoint} kept rejecting the query")
        if not spaces:
            raise SourceError(f"Decidim API at {self.endpoint} has none of the spaces "
                              f"{', '.join(self.options['spaces'])}")
        if errors and not data:
            raise SourceError(f"Decidim API errors at {self.endpoint}: {_messages(errors)}")
        if errors:
            self.warn(f"Decidim API answered with errors beside the data: {_messages(errors)}")
        if data is None:
            raise SourceError(f"no 'data' in the answer of {self.endpoint}")
        for key, space in spaces.items():
            items = data.get(space.root)
            if items is None:
                continue
            if not isinstance(items, list):
                raise SourceError(f"'{space.root}' is not a list in the answer of "
                                  f"{self.endpoint}")
            for item in items:
                if not isinstance(item, dict):
                    self.failed_items += 1
                    self.warn(f"a {key} entry came back empty (null), skipped")
                    continue
                yield key, item

    def _query(self, spaces: dict[str, Space], dropped: dict[str, set[str]]) -> str:
        parts = []
        for key, space in spaces.items():
            fields = space.required + [f for f in space.optional
                                       if f.split(" ", 1)[0] not in dropped[key]]
            parts.append(f"{space.root} {{ {' '.join(fields)} }}")
        return "query PortalSpaces { " + " ".join(parts) + " }"

    def _post(self, query: str) -> dict:
        resp = self.http.post_json(self.endpoint, {"query": query})
        doc = resp.json()
        if not isinstance(doc, dict):
            raise SourceError(f"unexpected answer from {self.endpoint}: not a JSON object")
        return doc

    # -- one space ------------------------------------------------------------
    def normalize(self, raw: Any) -> Record:
        key, item = raw
        space = SPACES[key]
        slug = str(item.get("slug") or "").strip()
        if not item.get("id") or not slug:
            raise ItemError(f"{key} entry without id or slug")
        title = plain_text(self.text(item.get("title")), 300)
        if not title:
            raise ItemError(f"{key} {slug!r} has no title in any language")
        url = safe_url(f"{self.base}/{space.path}/{quote(slug, safe='-_.~')}")
        parts = [self.text(item.get(f)) for f in ("shortDescription", "description")]
        description = "\n".join(p for p in parts if p) or self.text(item.get("subtitle"))
        publisher = plain_text(self.text(item.get("developerGroup")), 300) \
            or self.options["publisher"]
        return Consultation(
            **self.common(f"{space.path}-{item['id']}", url, title),
            description_html=clean_html(description, url),
            kind=space.kind,
            start=_first_date(item, space.start),
            end=_first_date(item, space.end),
            publisher=publisher,
            steps=self._steps(item.get("steps")))

    def text(self, field: Any) -> str | None:
        """A translated field in the configured locale, the fallbacks, else any."""
        if isinstance(field, str):
            return field or None
        if not isinstance(field, dict):
            return None
        found = {}
        for t in field.get("translations") or []:
            if isinstance(t, dict) and isinstance(t.get("text"), str) and t["text"].strip():
                found.setdefault(str(t.get("locale") or ""), t["text"])
        if isinstance(field.get("translation"), str) and field["translation"].strip():
            found.setdefault(self.locales[0], field["translation"])
        for loc in self.locales:
            if loc in found:
                return found[loc]
        return next(iter(found.values()), None)

    def _steps(self, steps: Any) -> list[str]:
        """"Diagnóstico (2026-10-01 – 2026-11-15)", in the process's order."""
        if isinstance(steps, dict):  # old Decidim: a connection with nodes/edges
            steps = steps.get("nodes") or [e.get("node") for e in steps.get("edges") or []
                                           if isinstance(e, dict)]
        if not isinstance(steps, list):
            return []
        ordered = sorted((s for s in steps if isinstance(s, dict)),
                         key=lambda s: (_int(s.get("position")), str(s.get("id"))))
        out = []
        for s in ordered:
            title = plain_text(self.text(s.get("title")), 200)
            if not title:
                continue
            days = [d[:10] for d in (_first_date(s, ("startDate",)),
                                     _first_date(s, ("endDate",))) if d]
            out.append(f"{title} ({' – '.join(days)})" if days else title)
        return out


def _first_date(item: dict, names: tuple[str, ...]) -> str | None:
    for name in names:
        iso = iso_datetime(item.get(name), None)
        if iso:
            return iso
    return None


def _undefined(err: dict) -> tuple[str, str] | None:
    """(type, field) of a "Field 'x' doesn't exist on type 'Y'" error, else None."""
    ext = err.get("extensions") or {}
    if ext.get("code") == "undefinedField" and ext.get("fieldName"):
        return str(ext.get("typeName")), str(ext["fieldName"])
    m = _UNDEFINED.search(str(err.get("message", "")))
    return (m.group(2), m.group(1)) if m else None


def _names(fields: list[str]) -> set[str]:
    return {f.split(" ", 1)[0] for f in fields}


def _messages(errors: list[dict]) -> str:
    msgs = [str(e.get("message") or "unknown error")[:150] for e in errors[:3]]
    more = f" (+{len(errors) - 3} more)" if len(errors) > 3 else ""
    return "; ".join(msgs) + more


def _int(v: Any) -> int:
    try:
        return int(v)
    except (TypeError, ValueError):
        return 1 << 30


ADAPTER = DecidimAdapter
