"""Registry: the `adapter:` name in sources.yaml -> the class that harvests it."""

from __future__ import annotations

from importlib import import_module

from .base import Adapter

# name -> module; one adapter per module, each defining `ADAPTER`.
_MODULES = {
    "ckan": "ckan",
    "dcat": "dcat",
    "datajson": "datajson",
    "feed": "feed",
    "decidim": "decidim",
    "csv": "csv_register",
    "lobby": "lobby_register",
    "sparql": "sparql",
}


def _load() -> dict[str, type[Adapter]]:
    return {name: import_module(f"{__name__}.{module}").ADAPTER
            for name, module in _MODULES.items()}


ADAPTERS: dict[str, type[Adapter]] = _load()


def get_adapter(name: str) -> type[Adapter]:
    return ADAPTERS[name]
