"""Tie every record to an institution of the registry, whatever a source calls it.

Order of the rules: the source's `institution:` setting, an explicit mapping in
the registry (`mappings:` in institutions.yaml), the registry id, the acronym,
then the name and aliases compared without case, accents, punctuation or
articles ("Ministerio de Salud" = "MINISTERIO DE SALUD" = "ministerio salud").
What does not match is counted per name and source, never dropped.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from typing import Iterable

from .records import Institution, Record

# Articles and the little words that sources add or drop at will.
STOPWORDS = frozenset("el la los las lo un una unos unas de del y e en al a the of".split())
_NON_WORD = re.compile(r"[^a-z0-9]+")
_PAREN = re.compile(r"\(([^)]*)\)")


def fold(text: str) -> str:
    """Lowercase, accents off, punctuation and articles off, single spaces."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    words = [w for w in _NON_WORD.split(text) if w and w not in STOPWORDS]
    return " ".join(words)


def _acronym_key(text: str) -> str:
    return _NON_WORD.sub("", fold(text).replace(" ", ""))


class Reconciler:
    def __init__(self, institutions: Iterable[Institution],
                 mappings: dict[str, str] | None = None):
        self.institutions = {i.id: i for i in institutions}
        self.mappings = {fold(k): v for k, v in (mappings or {}).items()
                         if v in self.institutions}
        self.by_acronym: dict[str, str] = {}
        self.by_name: dict[str, str] = {}
        for inst in self.institutions.values():
            if inst.acronym:
                self.by_acronym.setdefault(_acronym_key(inst.acronym), inst.id)
            for name in [inst.name, *inst.aliases]:
                for variant in _variants(name):
                    self.by_name.setdefault(variant, inst.id)
                    # "SERVICIO ELECTORAL (SERVEL)": the acronym in parentheses counts too.
                for inner in _PAREN.findall(name):
                    if inner.strip() and len(inner) <= 15:
                        self.by_acronym.setdefault(_acronym_key(inner), inst.id)
        self.unmatched: dict[str, Counter] = defaultdict(Counter)
        self.matched = 0

    def match(self, name: str | None) -> str | None:
        """The registry id for a name as a source writes it, or None."""
        if not name or not name.strip():
            return None
        key = fold(name)
        if key in self.mappings:
            return self.mappings[key]
        if name.strip() in self.institutions:
            return name.strip()
        slug = key.replace(" ", "-")
        if slug in self.institutions:
            return slug
        acr = _acronym_key(name)
        if acr in self.by_acronym and len(name.strip()) <= 15:
            return self.by_acronym[acr]
        for variant in _variants(name):
            if variant in self.by_name:
                return self.by_name[variant]
        return None

    def assign(self, record: Record, source_institution: str | None = None) -> None:
        """Set record.institution by the rules above; count names that match nothing."""
        if source_institution:
            record.institution = source_institution
        elif record.institution not in self.institutions:
            name = getattr(record, "publisher", None) or record.institution
            record.institution = self.match(name)
            if record.institution is None:
                if name:
                    self.unmatched[name][record.source] += 1
                return
        self.matched += 1

    def unmatched_report(self) -> list[dict]:
        """[{name, count, sources}] most frequent first, for status.yaml and the CLI."""
        rows = [{"name": name, "count": sum(c.values()), "sources": sorted(c)}
                for name, c in self.unmatched.items()]
        rows.sort(key=lambda r: (-r["count"], r["name"]))
        return rows


def _variants(name: str) -> list[str]:
    """The folded name, and the folded name without a parenthetical part."""
    out = [fold(name)]
    bare = _PAREN.sub(" ", name)
    if bare != name:
        out.append(fold(bare))
    return [v for v in out if v]
