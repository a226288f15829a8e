"""scores.yaml written fast: block-style YAML for plain data (dicts, lists, text,
numbers, booleans, null), every string double-quoted with JSON's escapes (a
subset of YAML's). The generic dumper takes about a second per megabyte for a
document made of many small mappings; this takes a tenth of that and gives the
same data back through any YAML loader (tests/test_scorecard.py checks it)."""

from __future__ import annotations

import json
import math
import re

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
# Words YAML 1.1 reads as booleans or null: never written as bare keys.
_RESERVED = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}
# What YAML does not allow raw inside a double-quoted scalar (besides what JSON
# escapes already): other control characters, line separators, the BOM.
_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff\ufffe\uffff]")
_quote = json.JSONEncoder(ensure_ascii=False).encode


def _string(s: str) -> str:
    text = _quote(s)
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) if _UNSAFE.search(text) \
        else text


def _key(k) -> str:
    k = str(k)
    return k if _PLAIN_KEY.match(k) and k.lower() not in _RESERVED else _string(k)


def _scalar(v) -> str:
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ValueError(f"cannot write {v!r}")
        text = repr(v)
        return text if "e" not in text else f"{v:.12f}".rstrip("0")
    if isinstance(v, str):
        return _string(v)
    raise TypeError(f"cannot write a {type(v).__name__}")


def _emit(value, indent: str, out: list[str]) -> None:
    """Lines of a mapping or a list at this indentation (the value is not empty)."""
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, (dict, list)) and v:
                out.append(f"{indent}{_key(k)}:\n")
                _emit(v, indent + ("  " if isinstance(v, dict) else ""), out)
            else:
                out.append(f"{indent}{_key(k)}: {_inline(v)}\n")
        return
    for item in value:
        if isinstance(item, dict) and item:
            first = len(out)
            _emit(item, indent + "  ", out)
            out[first] = f"{indent}- {out[first][len(indent) + 2:]}"
        elif isinstance(item, list) and item:
            out.append(f"{indent}-\n")
            _emit(item, indent + "  ", out)
        else:
            out.append(f"{indent}- {_inline(item)}\n")


def _inline(v) -> str:
    if isinstance(v, dict):
        return "{}"
    if isinstance(v, list):
        return "[]"
    return _scalar(v)


def dumps(doc: dict) -> bytes:
    out: list[str] = []
    _emit(doc, "", out)
    return "".join(out).encode("utf-8")
