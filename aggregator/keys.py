"""Unknown keys in hand-written YAML (sources.yaml, institutions.yaml): named,
with the closest known key suggested, so a typo reads as one (`parnet` -> did
you mean 'parent'?)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def unknown_keys_message(given: Iterable, known: Iterable, what: str) -> str | None:
    """"<what>: unknown key(s): a, b (...)", or None when every key is known."""
    known = sorted(str(k) for k in known)
    unknown = sorted(str(k) for k in set(map(str, given)) - set(known))
    if not unknown:
        return None
    hints = []
    for key in unknown:
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
        if close:
            hints.append(f"'{key}': did you mean '{close[0]}'?")
    hint = "; ".join(hints) if hints else f"known: {', '.join(known) or 'none'}"
    return f"{what}: unknown key(s): {', '.join(unknown)} ({hint})"
