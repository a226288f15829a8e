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
from functools import lru_cache

import Stemmer

_WORD = re.compile(r"[^\W_]+")
_STEMMER = Stemmer.Stemmer("spanish")

# Words a query does not need to contain when it has other words ("Registro
# Electoral de Chile" must find a record without "de"). They are still indexed.
STOPWORDS = frozenset(
    "a al ante bajo con contra de del desde durante e el en entre es la las lo los o "
    "para por que se segun sin sobre su sus u un una unas unos y".split())


def words(text: str) -> list[str]:
    """The words of a text, lowercased, accents kept."""
    return _WORD.findall(unicodedata.normalize("NFC", text).lower())


@lru_cache(maxsize=None)
def fold(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", word)
                   if not unicodedata.combining(c))


@lru_cache(maxsize=None)
def stem_key(folded: str) -> str:
    return _STEMMER.stemWord(folded)
