"""The theme's colours come from THEME_COLORS in pelicanconf.py: they become
CSS custom properties inlined in every page's <head> (no extra request), and
each pair the theme puts together is checked for WCAG AA contrast (4.5:1)."""

from __future__ import annotations

import logging
import re

from markupsafe import Markup

log = logging.getLogger(__name__)

DEFAULTS = {"primary": "#0f4c81", "accent": "#b3261e", "text": "#1b1b1b",
            "muted": "#4a4a4a", "background": "#ffffff", "surface": "#f3f5f8"}
# THEME_COLORS key -> CSS custom property of portal.css.
PROPERTIES = {"primary": "--primary", "primary_dark": "--primary-dark", "accent": "--accent",
              "text": "--text", "muted": "--muted", "background": "--bg", "surface": "--surface"}
_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")
WHITE = "#ffffff"
# (foreground, background, where the theme uses them)
PAIRS = [("text", "background", "body text"), ("muted", "background", "secondary text"),
         ("primary", "background", "links"), ("muted", "surface", "text on panels"),
         ("primary", "surface", "links on panels"), ("accent", "background", "warnings"),
         (WHITE, "primary", "header text"), (WHITE, "primary_dark", "navigation text")]


class ThemeColorError(ValueError):
    pass


def _rgb(color: str) -> tuple[int, int, int]:
    h = color.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def darken(color: str, amount: float = 0.3) -> str:
    r, g, b = (round(c * (1 - amount)) for c in _rgb(color))
    return f"#{r:02x}{g:02x}{b:02x}"


def luminance(color: str) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in _rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def colors(configured: dict) -> dict[str, str]:
    out = dict(DEFAULTS)
    for key, value in (configured or {}).items():
        if key not in PROPERTIES:
            raise ThemeColorError(f"THEME_COLORS: unknown colour {key!r} "
                                  f"(known: {', '.join(PROPERTIES)})")
        if not isinstance(value, str) or not _HEX.match(value):
            raise ThemeColorError(f"THEME_COLORS[{key!r}]: {value!r} is not a #rrggbb colour")
        out[key] = value
    out.setdefault("primary_dark", darken(out["primary"]))
    return out


def contrast_problems(palette: dict[str, str]) -> list[str]:
    problems = []
    for fg, bg, where in PAIRS:
        a, b = palette.get(fg, fg), palette[bg]
        ratio = contrast(a, b)
        if ratio < 4.5:
            problems.append(f"THEME_COLORS: {where} ({fg} {a} on {bg} {b}) has contrast "
                            f"{ratio:.2f}:1, below the 4.5:1 of WCAG AA")
    return problems


def theme_css(configured: dict) -> Markup:
    palette = colors(configured)
    for problem in contrast_problems(palette):
        log.warning(problem)
    body = ";".join(f"{PROPERTIES[k]}:{v}" for k, v in palette.items())
    return Markup(f":root{{{body}}}")
