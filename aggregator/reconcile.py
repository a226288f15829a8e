"""Tie every record to an institution of the registry, whatever a source calls it.

Order of the rules (the first that gives an answer wins):

1. the source's `institution:` setting in sources.yaml;
2. an explicit mapping in the registry (`mappings:` in institutions.yaml);
3. the registry id itself, or one of the institution's codes: its
   Transparency-portal code (`cplt_code`, e.g. "AM001", which registers such as
   InfoLobby carry) or its ChileCompra buyer code (`chilecompra_code`);
4. the acronym ("MINSAL"), for short names only;
5. the name and aliases compared without case, accents, punctuation or
   articles ("Ministerio de Salud" = "MINISTERIO DE SALUD" = "ministerio salud").

Names are compared whole: a longer name that merely contains a registered one
("Ministerio de Salud de la Provincia de Buenos Aires") does not match, and a
name two institutions share is ambiguous and matches neither. What does not
match is counted per name and source for the run report, never dropped.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable

from .records import Institution, Record

# Articles and the little words that sources add or drop at will.
STOPWORDS = frozenset(["el", "la", "los", "las", "lo", "un", "una", "unos", "unas", "de", "del", "y", "e", "en", "al", "a", "the", "of"])
_NON_WORD = re.compile(r"[^a-z0-9]+")
_PAREN = re.compile(r"\(([^)]*)\)")
# "(SERVEL)", "(CNCA)": an acronym in parentheses, not a qualifier like "(Argentina)".
_ACRONYM_LIKE = re.compile(r"^[A-ZÁÉÍÓÚÑ][A-ZÁÉÍÓÚÑa-z0-9&.\-]{1,14}$")
ACRONYM_MAX = 15
_AMBIGUOUS = "\0ambiguous"


def fold(text: str) -> str:
    """Lowercase, accents off, punctuation and articles off, single spaces."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    words = [w for w in _NON_WORD.split(text) if w and w not in STOPWORDS]
    return " ".join(words)


def _acronym_key(text: str) -> str:
    return fold(text).replace(" ", "")


def _is_acronym(text: str) -> bool:
    text = text.strip()
    return bool(_ACRONYM_LIKE.match(text)) and sum(c.isupper() for c in text) >= 2


class Reconciler:
    def __init__(self, institutions: Iterable[Institution],
                 mappings: dict[str, str] | None = None):
        self.institutions = {i.id: i for i in institutions}
        self.mappings = {fold(k): v for k, v in (mappings or {}).items()
                         if v in self.institutions}
        self.by_code: dict[str, str] = {}
        self.by_acronym: dict[str, str] = {}
        self.by_name: dict[str, str] = {}
        for inst in self.institutions.values():
            for code in (inst.cplt_code, inst.chilecompra_code):
                if code:
                    _put(self.by_code, code.strip().upper(), inst.id)
            if inst.acronym:
                _put(self.by_acronym, _acronym_key(inst.acronym), inst.id)
            for name in {inst.name, *inst.aliases}:
                _put(self.by_name, fold(name), inst.id)
                # "Servicio Electoral (SERVEL)" in the registry: the bare name and
                # the acronym in parentheses count too.
                for inner in _PAREN.findall(name):
                    if _is_acronym(inner):
                        _put(self.by_name, fold(_PAREN.sub(" ", name)), inst.id)
                        _put(self.by_acronym, _acronym_key(inner), inst.id)
        self.ambiguous = sorted(k for d in (self.by_name, self.by_acronym)
                                for k, v in d.items() if v == _AMBIGUOUS)
        self._cache: dict[str, str | None] = {}
        self.unmatched: dict[str, Counter] = defaultdict(Counter)
        self.matched = 0
        self.total = 0
        # Sources are harvested at once (threads): counts and caches change under it.
        self._lock = threading.RLock()

    # -- matching -------------------------------------------------------------
    def match(self, name: str | None) -> str | None:
        """The registry id for a name as a source writes it, or None."""
        if not name or not name.strip():
            return None
        try:
            return self._cache[name]
        except KeyError:
            found = self._cache[name] = self._match(name.strip())
            return found

    def _match(self, name: str) -> str | None:
        key = fold(name)
        if key in self.mappings:
            return self.mappings[key]
        if name in self.institutions:
            return name
        code = self.by_code.get(name.upper())
        if code and code != _AMBIGUOUS:
            return code
        if len(name) <= ACRONYM_MAX:
            found = self.by_acronym.get(_acronym_key(name))
            if found and found != _AMBIGUOUS:
                return found
        found = self.by_name.get(key)
        if found:
            return None if found == _AMBIGUOUS else found
        return self._match_with_acronym(name)

    def _match_with_acronym(self, name: str) -> str | None:
        """"Servicio Electoral (SERVEL)": the bare name, if the acronym in
        parentheses does not contradict the institution's own."""
        inner = _PAREN.findall(name)
        if len(inner) != 1 or not _is_acronym(inner[0]):
            return None
        found = self.by_name.get(fold(_PAREN.sub(" ", name)))
        if not found or found == _AMBIGUOUS:
            return None
        own = self.institutions[found].acronym
        if own and _acronym_key(own) != _acronym_key(inner[0]):
            return None
        return found

    def candidates(self, name: str) -> list[str]:
        """The ids an ambiguous name could mean (for the report), else []."""
        key = fold(name)
        if self.by_name.get(key) != _AMBIGUOUS:
            return []
        return sorted(i.id for i in self.institutions.values()
                      if any(fold(n) == key for n in (i.name, *i.aliases)))

    # -- records --------------------------------------------------------------
    def assign(self, record: Record, source_institution: str | None = None) -> None:
        """Set record.institution by the rules above; count names that match nothing.

        An adapter may leave a hint in record.institution that is not a registry
        id yet (a register's institution code): it is tried before the publisher.
        """
        with self._lock:
            self._assign(record, source_institution)

    def _assign(self, record: Record, source_institution: str | None) -> None:
        self.total += 1
        if source_institution:
            record.institution = source_institution
            self.matched += 1
            return
        if record.institution in self.institutions:
            self.matched += 1
            return
        hint = record.institution
        name = getattr(record, "publisher", None)
        record.institution = self.match(hint) or self.match(name)
        if record.institution is not None:
            self.matched += 1
            return
        label = name or hint
        if label:
            self.unmatched[label.strip()][record.source] += 1

    def unmatched_report(self) -> list[dict]:
        """[{name, count, sources[, candidates]}] most frequent first, for
        status.yaml and `python -m aggregator institutions --unmatched`."""
        rows = []
        for name, c in self.unmatched.items():
            row = {"name": name, "count": sum(c.values()), "sources": sorted(c)}
            cands = self.candidates(name)
            if cands:
                row["candidates"] = cands
            rows.append(row)
        rows.sort(key=lambda r: (-r["count"], r["name"]))
        return rows


def _put(index: dict[str, str], key: str, iid: str) -> None:
    """Index key -> id; a key two institutions share is marked ambiguous."""
    if not key:
        return
    old = index.get(key)
    index[key] = iid if old in (None, iid) else _AMBIGUOUS
