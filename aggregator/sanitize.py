"""Everything from a source is untrusted: clean it once, here, at aggregation.

- `plain_text`: titles, names, tags, publishers: markup stripped, entities
  decoded, whitespace folded (Jinja escapes it again when rendering).
- `clean_html` / `markdown_html`: the few rich fields (`*_html`), reduced to a
  small allowlist of tags; links keep only http, https and mailto.
- `safe_url`: a URL field is kept only if its scheme is http, https or mailto.
"""

from __future__ import annotations

import html
import re
import threading
import unicodedata
from urllib.parse import urljoin, urlsplit

import markdown as _markdown
import nh3

ALLOWED_TAGS = {"p", "br", "a", "ul", "ol", "li", "strong", "em", "b", "i", "code",
                "pre", "blockquote", "h3", "h4", "h5", "h6", "table", "thead", "tbody",
                "tr", "th", "td", "abbr"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title", "hreflang"}, "abbr": {"title"},
                      "th": {"scope"}, "td": {"colspan", "rowspan"}}
URL_SCHEMES = {"http", "https", "mailto"}
_SPACE = re.compile(r"\s+")
# Control characters (C0, DEL, C1) except tab and newline: never meaningful in a field.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# UTF-8 read as Latin-1/cp1252 somewhere upstream: "Ã©" for "é", "Â " for a no-break space.
_MOJIBAKE = re.compile("[\u00c2\u00c3][\u0080-\u00bf]")
_STRAY_A = re.compile("(?<![\\w])\u00c2(?=[\\s\u00a0])")
_TAG = re.compile(r"<(?:[a-zA-Z][a-zA-Z0-9]*|/[a-zA-Z][a-zA-Z0-9]*)[\s>/]")


class Warnings:
    """Collects what cleaning dropped, so the run report can count it."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def add(self, message: str) -> None:
        self.messages.append(message)

    def __len__(self) -> int:
        return len(self.messages)


def fix_mojibake(text: str) -> str:
    """Undo the common double encoding of UTF-8 text, only when it round-trips."""
    if "\u00c2" not in text and "\u00c3" not in text:
        return text
    if _MOJIBAKE.search(text):
        for codec in ("cp1252", "latin-1"):
            try:
                return text.encode(codec).decode("utf-8")
            except UnicodeError:
                continue
    # The no-break space after "Â" was often turned into a plain space later on.
    return _STRAY_A.sub("", text)


def plain_text(value: object, limit: int = 2000) -> str | None:
    """Text with any markup removed; None when nothing is left."""
    if value is None:
        return None
    text = fix_mojibake(str(value))
    if "<" in text or "&" in text:
        text = html.unescape(nh3.clean(text, tags=set(), clean_content_tags={"script", "style"}))
        # nh3 keeps text of unknown tags; a second unescape catches double-encoded input.
        if "<" in text:
            text = html.unescape(nh3.clean(text, tags=set()))
    if text.isprintable() and "  " not in text:
        text = text.strip()        # no control character, no run of spaces: nothing to fold
    else:
        text = _SPACE.sub(" ", _CONTROL.sub("", text)).strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text or None


def plain_list(values: object, limit: int = 200) -> list[str]:
    """A list of plain-text strings (tags, keywords), deduplicated, order kept."""
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    out: list[str] = []
    for v in values if isinstance(values, (list, tuple)) else [values]:
        t = plain_text(v, 200)
        if t and t not in out:
            out.append(t)
        if len(out) >= limit:
            break
    return out


def clean_html(value: object, base_url: str | None = None, limit: int = 100_000) -> str | None:
    """Sanitized HTML of the allowlist; relative links resolved against base_url."""
    if value is None:
        return None
    text = _CONTROL.sub("", str(value))[:limit * 2]
    if not text.strip():
        return None

    def attribute_filter(tag: str, attr: str, val: str) -> str | None:
        if attr == "href":
            return safe_url(val, base_url)
        return val

    out = nh3.clean(text, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                    url_schemes=URL_SCHEMES, link_rel="noopener noreferrer nofollow",
                    attribute_filter=attribute_filter, strip_comments=True).strip()
    if len(out) > limit:
        # Cutting HTML may split a tag: clean again to close what was left open.
        out = nh3.clean(out[:limit], tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                        url_schemes=URL_SCHEMES, link_rel="noopener noreferrer nofollow")
    return out if plain_text(out) or "<" in out else None


_md = threading.local()
# Text with none of Markdown's syntax renders as plain paragraphs: skip the parser.
_MARKDOWN_SYNTAX = re.compile(r"[\\`*_\[\]<>#&|~!]|^ {0,3}(?:[-+*] |\d+[.)] |[-=]{2,} *$)"
                              r"|^ {4,}\S|^\t", re.MULTILINE)


def markdown_html(value: object, base_url: str | None = None) -> str | None:
    """Markdown (CKAN `notes`) rendered, then cleaned like any other HTML."""
    if value is None or not str(value).strip():
        return None
    text = fix_mojibake(str(value))[:200_000]
    if not _MARKDOWN_SYNTAX.search(text):
        return text_html(text)
    # Building a Markdown instance costs more than converting a short text: reuse one.
    md = getattr(_md, "instance", None)
    if md is None:
        md = _md.instance = _markdown.Markdown(output_format="html")
    rendered = md.reset().convert(text)
    return clean_html(rendered, base_url)


def text_html(value: object) -> str | None:
    """Plain text from a source, as HTML paragraphs (every character escaped);
    blank lines separate paragraphs."""
    if value is None:
        return None
    paragraphs = [plain_text(p, 100_000) for p in re.split(r"\n\s*\n", str(value))]
    paragraphs = [p for p in paragraphs if p]
    if not paragraphs:
        return None
    return "".join("<p>" + html.escape(p, quote=False) + "</p>" for p in paragraphs)


def rich_html(value: object, base_url: str | None = None) -> str | None:
    """A description that may be HTML or plain text (DCAT, data.json): HTML is
    cleaned to the allowlist, plain text becomes escaped paragraphs."""
    if value is None:
        return None
    text = fix_mojibake(str(value))
    if _TAG.search(text):
        return clean_html(text, base_url)
    return text_html(text)


def safe_url(value: object, base_url: str | None = None,
             warnings: Warnings | None = None, schemes=URL_SCHEMES) -> str | None:
    """The URL if its scheme is allowed (after resolving against base_url), else None.

    Entity-encoded and whitespace-split schemes ("jav&#x09;ascript:") are decoded
    first, as a browser would, so they cannot slip through.
    """
    if value is None:
        return None
    raw = _CONTROL.sub("", html.unescape(str(value))).strip()
    if not raw:
        return None
    # Browsers ignore whitespace inside a scheme: judge the scheme without it.
    scheme = unicodedata.normalize("NFKC", urlsplit(re.sub(r"\s", "", raw)).scheme).lower()
    compact = raw.replace(" ", "%20")
    compact = re.sub(r"\s", "", compact)
    if base_url and not scheme:
        compact = urljoin(base_url, compact)
    parts = urlsplit(compact)
    scheme = parts.scheme.lower()
    if scheme not in schemes or (scheme != "mailto" and not parts.netloc):
        if warnings is not None:
            warnings.add(f"dropped URL with scheme {scheme or 'none'!r}: {raw[:80]}")
        return None
    if len(compact) > 2000:
        if warnings is not None:
            warnings.add(f"dropped URL over 2000 characters: {raw[:80]}")
        return None
    return compact
