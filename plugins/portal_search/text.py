"""Spanish words for the search index: the same normalization as search.js, and
Snowball stems computed here, at build time, so the browser never stems.

- `surface`: the word as written, lowercased (accents and ñ kept): an exact
  match ranks highest.
- `fold`: without accents or diaeresis, ñ as n ("Ñuñoa" -> "nunoa"): the key the
  index is sorted and sharded by, so "informacion" finds "información".
- `stem_key`: the Snowball Spanish stem of the folded word: "presupuestos" and
  "presupuesto" share "presupuest".

search.js tokenizes and folds a query with the same rules (NFC, lowercase,
letters and digits, NFD without combining marks); tests check both agree.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import Stemmer
from babel import Locale

_WORD = re.compile(r"[^\W_]+")
_STEMMER = Stemmer.Stemmer("spanish")

# Words a query does not need to contain when it has other words ("Registro
# Electoral de Chile" must find a record without "de"). They are still indexed.
STOPWORDS = frozenset(
    ["a", "al", "ante", "bajo", "con", "contra", "de", "del", "desde", "durante", "e", "el", "en", "entre", "es", "la", "las", "lo", "los", "o", "para", "por", "que", "se", "segun", "sin", "sobre", "su", "sus", "u", "un", "una", "unas", "unos", "y"])


def words(text: str) -> list[str]:
    """The words of a text, lowercased, accents kept."""
    return _WORD.findall(unicodedata.normalize("NFC", text).lower())


@cache
def fold(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", word)
                   if not unicodedata.combining(c))


@cache
def stem_key(folded: str) -> str:
    return _STEMMER.stemWord(folded) if _STEMMER else folded


def use_language(code: str) -> None:
    """Stem in the portal's language (DEFAULT_LANG, e.g. "es", "pt"): Snowball's
    stemmer of that language, or none if Snowball has no stemmer for it."""
    global _STEMMER
    try:
        name = Locale.parse(code.replace("-", "_")).get_language_name("en").lower()
    except (ValueError, TypeError):
        name = ""
    _STEMMER = Stemmer.Stemmer(name) if name in Stemmer.algorithms() else None
    stem_key.cache_clear()


def stopwords(code: str) -> frozenset[str]:
    """The stop words of a language: Spanish's; none for other languages yet."""
    return STOPWORDS if code.split("-")[0].split("_")[0] == "es" else frozenset()
