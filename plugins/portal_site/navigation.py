"""PORTAL_NAV and PORTAL_FOOTER_LINKS (pelicanconf.py): lists of (label, address),
checked once per build so a typo is a named error, not a broken page."""

from __future__ import annotations

from urllib.parse import urlsplit


class NavigationError(ValueError):
    pass


def check_links(name: str, value) -> list[tuple[str, str]]:
    """[(label, address)]: a site-relative address ("obras/", no leading slash)
    or an absolute http(s) one."""
    if value is None:
        return []
    if not isinstance(value, (list, tuple)):
        raise NavigationError(f"{name}: expected a list of (label, address), not {value!r}")
    out = []
    for n, item in enumerate(value, 1):
        if not (isinstance(item, (list, tuple)) and len(item) == 2
                and all(isinstance(x, str) and x.strip() for x in item)):
            raise NavigationError(f"{name}[{n}]: expected (label, address), not {item!r}")
        label, url = item
        scheme = urlsplit(url).scheme
        if scheme and scheme not in ("http", "https") or url.startswith(("/", "//")):
            raise NavigationError(f"{name}[{n}]: address {url!r} must be site-relative "
                                  "(\"datos/\") or an http(s) URL")
        out.append((label, url))
    return out
