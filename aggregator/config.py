"""`sources.yaml`: the list of sources the aggregator harvests, checked whole
before anything is fetched. Any problem is a `ConfigError` naming the entry."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from . import yamlio
from .snapshot import SOURCE_ID

SOURCE_KEYS = {"id", "adapter", "url", "institution", "options", "name", "enabled", "country"}
SETTINGS_KEYS = {"user_agent", "timeout", "read_timeout", "retries", "max_body_bytes",
                 "max_redirects", "max_retry_wait", "max_seconds", "cache_dir",
                 "parallel_sources", "connections_per_host", "source_max_seconds",
                 "run_max_seconds"}
# Settings that must be numbers (>= 0): a typo here would otherwise surface as a
# traceback in the middle of a run.
NUMERIC_SETTINGS = {"timeout", "read_timeout", "retries", "max_body_bytes", "max_redirects",
                    "max_retry_wait", "max_seconds", "parallel_sources", "connections_per_host",
                    "source_max_seconds", "run_max_seconds"}
# Of those, the ones that must be whole numbers >= 1, and the time limits that must be > 0.
COUNT_SETTINGS = {"parallel_sources", "connections_per_host"}
POSITIVE_SETTINGS = {"max_seconds", "source_max_seconds", "run_max_seconds"}

# Transparency-link patterns are site settings now (aggregator/transparency.py).
DEFAULT_SETTINGS: dict[str, Any] = {
    "user_agent": "PortalGobiernoAbierto/0.1 (+https://github.com/gobierno-abierto/portal)",
    "timeout": 10.0,
    "read_timeout": 60.0,
    "retries": 3,
    "max_body_bytes": 200 * 1024 * 1024,
    "max_redirects": 5,
    # Longest wait a Retry-After header may impose, and longest a body may take.
    "max_retry_wait": 30.0,
    "max_seconds": 300.0,
    # Sources harvested at once, and requests at once to one host (politeness).
    "parallel_sources": 16,
    "connections_per_host": 2,
    # Time budgets: a source over its budget fails and keeps its last good data;
    # the run ends by run_max_seconds whatever the sources do.
    "source_max_seconds": 3600.0,
    "run_max_seconds": 10800.0,
}


class ConfigError(ValueError):
    """Bad configuration or usage: nothing is fetched or written (exit 2)."""


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


def parse_config(doc: Any, path: Path | str = "sources.yaml",
                 adapters: dict | None = None) -> Config:
    if adapters is None:
        from .adapters import ADAPTERS as adapters
    if not isinstance(doc, dict) or not isinstance(doc.get("sources"), list):
        raise ConfigError(f"{path}: expected a mapping with a 'sources:' list")
    unknown = set(doc) - {"sources", "settings"}
    if unknown:
        raise ConfigError(f"{path}: unknown top-level key(s): {', '.join(sorted(unknown))}")
    settings = dict(DEFAULT_SETTINGS)
    extra = doc.get("settings") or {}
    if not isinstance(extra, dict):
        raise ConfigError(f"{path}: 'settings' must be a mapping")
    bad = set(extra) - SETTINGS_KEYS
    if bad:
        raise ConfigError(f"{path}: settings: unknown key(s): {', '.join(sorted(bad))}")
    settings.update(extra)
    for key in sorted(NUMERIC_SETTINGS & set(extra)):
        value = extra[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ConfigError(f"{path}: settings: {key} must be a number >= 0, "
                              f"not {value!r}")
        if key in COUNT_SETTINGS and (not isinstance(value, int) or value < 1):
            raise ConfigError(f"{path}: settings: {key} must be a whole number >= 1, "
                              f"not {value!r}")
        if key in POSITIVE_SETTINGS and value <= 0:
            raise ConfigError(f"{path}: settings: {key} must be more than 0 seconds, "
                              f"not {value!r}")

    sources, seen = [], set()
    for n, entry in enumerate(doc["sources"]):
        where = f"{path}: source {n + 1}"
        if not isinstance(entry, dict):
            raise ConfigError(f"{where}: expected a mapping")
        sid = entry.get("id")
        if sid is not None:
            where = f"{path}: source {sid!r}"
        unknown = set(entry) - SOURCE_KEYS
        if unknown:
            raise ConfigError(f"{where}: unknown key(s): {', '.join(sorted(unknown))}")
        if not isinstance(sid, str) or not SOURCE_ID.match(sid):
            raise ConfigError(f"{where}: 'id' must match [a-z0-9-]+")
        if sid in seen:
            raise ConfigError(f"{where}: duplicate id")
        seen.add(sid)
        adapter = entry.get("adapter")
        if adapter not in adapters:
            raise ConfigError(f"{where}: unknown adapter {adapter!r} "
                              f"(known: {', '.join(sorted(adapters))})")
        options = entry.get("options") or {}
        if not isinstance(options, dict):
            raise ConfigError(f"{where}: 'options' must be a mapping")
        inst = entry.get("institution")
        if inst is not None and not isinstance(inst, str):
            raise ConfigError(f"{where}: 'institution' must be a registry id")
        country = entry.get("country")
        if country is not None and (not isinstance(country, str) or not country.strip()):
            raise ConfigError(f"{where}: 'country' must be a country's name")
        source = SourceConfig(id=sid, adapter=adapter,
                              url=_check_url(entry.get("url"), where),
                              name=entry.get("name"), institution=inst,
                              enabled=bool(entry.get("enabled", True)), options=options,
                              country=country.strip() if country else None)
        try:
            adapters[adapter].check_options(source)
        except ConfigError as exc:
            raise ConfigError(f"{path}: {exc}") from None
        sources.append(source)
    return Config(sources=sources, settings=settings, path=Path(path))


def load_config(path: Path | str) -> Config:
    try:
        doc = yamlio.load_file(path)
    except yamlio.YamlError as exc:
        raise ConfigError(str(exc)) from None
    return parse_config(doc, path)
