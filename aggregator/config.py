"""`sources.yaml`: the list of sources the aggregator harvests, checked whole
before anything is fetched. Any problem is a `ConfigError`: one line naming the
file, the entry and the key.

Every key is declared with its type and default, so the check is the
declaration: a new setting is one line in `SETTINGS` (and a row in
docs/aggregator.md, which a test requires); a new adapter option is one line
in that adapter's `OPTIONS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from . import yamlio
from .keys import unknown_keys_message
from .snapshot import SOURCE_ID

NUMBER = (int, float)


@dataclass(frozen=True, slots=True)
class Option:
    """A key of `settings:` or of a source's `options:`: its type, default and
    limits. `type` is a type or a tuple of types (`NUMBER` for int or float);
    `items` is the type of each element of a list; `choices` the values allowed;
    `check(value, what)` checks what types cannot (a mapping of hosts to limits)
    and returns the value, or raises ConfigError("<what> ...")."""

    type: type | tuple[type, ...]
    default: Any = None
    help: str = ""
    minimum: float | None = None
    choices: tuple | None = None
    items: type | None = None
    check: Callable[[Any, str], Any] | None = None


def _more_than_zero(value, what: str):
    if value <= 0:
        raise ConfigError(f"{what} must be more than 0 seconds, not {value!r}")
    return value


# What sources.yaml's `settings:` accepts, with defaults (docs/aggregator.md lists them).
SETTINGS: dict[str, Option] = {
    "user_agent": Option(str, "PortalGobiernoAbierto/0.1 "
                              "(+https://github.com/gobierno-abierto/portal)",
                         "sent with every request"),
    "timeout": Option(NUMBER, 10.0, "seconds to establish a connection", minimum=0),
    "read_timeout": Option(NUMBER, 60.0, "seconds to wait for the next bytes", minimum=0),
    "retries": Option(int, 3, "retries on 429, 5xx, resets and timeouts", minimum=0),
    "max_body_bytes": Option(int, 200 * 1024 * 1024, "largest answer accepted", minimum=0),
    "max_redirects": Option(int, 5, "redirects followed before giving up", minimum=0),
    # Longest wait a Retry-After header may impose, and longest a body may take.
    "max_retry_wait": Option(NUMBER, 30.0, "longest Retry-After honoured", minimum=0),
    "max_seconds": Option(NUMBER, 300.0, "longest time one answer may take",
                          check=_more_than_zero),
    "cache_dir": Option(str, None, "HTTP and parse caches (relative to sources.yaml)"),
    # Sources harvested at once, and requests at once to one host (politeness).
    "parallel_sources": Option(int, 16, "sources harvested at once", minimum=1),
    "connections_per_host": Option(int, 2, "requests at once to one host", minimum=1),
    # Time budgets: a source over its budget fails and keeps its last good data;
    # the run ends by run_max_seconds whatever the sources do.
    "source_max_seconds": Option(NUMBER, 3600.0, "one source's time budget",
                                 check=_more_than_zero),
    "run_max_seconds": Option(NUMBER, 10800.0, "the whole run's time budget",
                              check=_more_than_zero),
}
SETTINGS_KEYS = set(SETTINGS)
# Transparency-link patterns are site settings now (aggregator/transparency.py).
DEFAULT_SETTINGS: dict[str, Any] = {k: o.default for k, o in SETTINGS.items()
                                    if o.default is not None}

# The keys of one entry of `sources:`.
SOURCE_FIELDS: dict[str, Option] = {
    "id": Option(str, None, "[a-z0-9-]+, unique"),
    "adapter": Option(str, None, "the adapter's name"),
    "url": Option(str, None, "http(s) URL"),
    "name": Option(str, None, "shown on the site"),
    "institution": Option(str, None, "a registry id"),
    "enabled": Option(bool, True, "false: skipped by a plain run"),
    "options": Option(dict, None, "the adapter's options"),
    # A foreign source's country ("Francia"), shown beside its records; none: the
    # portal's own country.
    "country": Option(str, None, "a foreign source's country"),
}
SOURCE_KEYS = set(SOURCE_FIELDS)
TOP_KEYS = {"sources", "settings"}


class ConfigError(ValueError):
    """Bad configuration or usage: nothing is fetched or written (exit 2)."""


def _type_name(kind: type | tuple) -> str:
    names = {bool: "true or false", int: "a whole number", float: "a number",
             str: "text", list: "a list", dict: "a mapping"}
    if kind == NUMBER:
        return "a number"
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def _is(value: Any, kind: type | tuple) -> bool:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool):         # YAML true is not the number 1
        return bool in kinds
    return isinstance(value, kinds)


def check_value(value: Any, opt: Option, what: str) -> Any:
    """`value` if it fits `opt`, else a ConfigError: "<what> must be ..., not ..."."""
    if value is None:
        if opt.default is None:
            return None
        raise ConfigError(f"{what} must be {_type_name(opt.type)}, not empty")
    if not _is(value, opt.type):
        raise ConfigError(f"{what} must be {_type_name(opt.type)}, not {value!r}")
    if opt.minimum is not None and value < opt.minimum:
        raise ConfigError(f"{what} must be a number >= {opt.minimum:g}, not {value!r}")
    if opt.choices is not None and value not in opt.choices:
        raise ConfigError(f"{what} must be one of {', '.join(map(str, opt.choices))}, "
                          f"not {value!r}")
    if opt.items is not None and not all(_is(v, opt.items) for v in value):
        raise ConfigError(f"{what} must be a list of {_type_name(opt.items)}")
    return opt.check(value, what) if opt.check is not None else value


def unknown_keys(given, known, what: str) -> ConfigError | None:
    """The error for keys that are not in `known` (closest one suggested)."""
    message = unknown_keys_message(given, known, what)
    return ConfigError(message) if message else None


def check_mapping(given: dict, spec: dict[str, Option], what: str) -> dict:
    """Every key of `given` known and of its declared type; defaults filled in."""
    error = unknown_keys(given, spec, what)
    if error:
        raise error
    return {key: check_value(given.get(key, opt.default), opt, f"{what}: {key!r}")
            for key, opt in spec.items()}


@dataclass(slots=True)
class SourceConfig:
    id: str
    adapter: str
    url: str
    name: str | None = None
    institution: str | None = None
    enabled: bool = True
    options: dict = field(default_factory=dict)
    # Where a foreign source's records come from ("Francia"); None: this portal's
    # own country. Shown beside its records on the site.
    country: str | None = None


@dataclass(slots=True)
class Config:
    sources: list[SourceConfig]
    settings: dict
    path: Path | None = None

    def source(self, source_id: str) -> SourceConfig:
        for s in self.sources:
            if s.id == source_id:
                return s
        raise ConfigError(f"no source with id {source_id!r}")


def _check_url(url: Any, where: str) -> str:
    if not isinstance(url, str) or not url.strip():
        raise ConfigError(f"{where}: 'url' is required")
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{where}: url {url!r} is not an http(s) URL")
    return url.strip()


def _settings(doc: dict, path) -> dict:
    extra = doc.get("settings")
    if extra is None:
        extra = {}
    if not isinstance(extra, dict):
        raise ConfigError(f"{path}: 'settings' must be a mapping of setting: value")
    checked = check_mapping(extra, SETTINGS, f"{path}: settings")
    return {k: v for k, v in checked.items() if v is not None}


def _source(entry: Any, n: int, path, adapters: dict, seen: set) -> SourceConfig:
    where = f"{path}: source {n + 1}"
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: expected a mapping (id, adapter, url, ...)")
    sid = entry.get("id")
    if isinstance(sid, str):
        where = f"{path}: source {sid!r}"
    error = unknown_keys(entry, SOURCE_KEYS, where)
    if error:
        raise error
    if not isinstance(sid, str) or not SOURCE_ID.match(sid):
        raise ConfigError(f"{where}: 'id' must match [a-z0-9-]+, not {sid!r}")
    if sid in seen:
        raise ConfigError(f"{where}: duplicate id")
    seen.add(sid)
    adapter = entry.get("adapter")
    if not isinstance(adapter, str) or adapter not in adapters:
        raise ConfigError(f"{where}: unknown adapter {adapter!r} "
                          f"(known: {', '.join(sorted(adapters))})")
    url = _check_url(entry.get("url"), where)
    values = check_mapping({k: v for k, v in entry.items() if k != "url"},
                           {k: o for k, o in SOURCE_FIELDS.items() if k != "url"}, where)
    inst = values["institution"]
    if inst is not None and not SOURCE_ID.match(inst):
        raise ConfigError(f"{where}: 'institution' must be a registry id, not {inst!r}")
    country = (values["country"] or "").strip() or None
    source = SourceConfig(id=sid, adapter=adapter, url=url, name=values["name"],
                          institution=inst, enabled=values["enabled"],
                          options=values["options"] or {}, country=country)
    try:
        adapters[adapter].check_options(source)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    return source


def parse_config(doc: Any, path: Path | str = "sources.yaml",
                 adapters: dict | None = None) -> Config:
    if adapters is None:
        from .adapters import ADAPTERS as adapters
    if not isinstance(doc, dict) or not isinstance(doc.get("sources"), list):
        raise ConfigError(f"{path}: expected a mapping with a 'sources:' list")
    error = unknown_keys(doc, TOP_KEYS, f"{path}: top level")
    if error:
        raise error
    settings = {**DEFAULT_SETTINGS, **_settings(doc, path)}
    seen: set[str] = set()
    sources = [_source(entry, n, path, adapters, seen) for n, entry in enumerate(doc["sources"])]
    return Config(sources=sources, settings=settings, path=Path(path))


def load_config(path: Path | str) -> Config:
    try:
        doc = yamlio.load_file(path)
    except yamlio.YamlError as exc:
        raise ConfigError(str(exc)) from None
    return parse_config(doc, path)
