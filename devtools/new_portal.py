"""`make new-portal`: start a real portal from this checkout, without the demo.

A fresh clone shows a demo: a snapshot harvested from recorded payloads of
portals in several countries (`make snapshot`), example news, apps and events,
and, in the registry, the foreign bodies those portals publish for. This
removes exactly that and keeps everything a deployment makes its own:

- the demo's source files (`content/data/sources/<id>.yaml` of the ids in
  `devtools/snapshot/*.yaml`); when nothing else was harvested into the folder,
  everything the demo run wrote beside them too (status.yaml, ...);
- the example news, apps, events and their images (`DEMO_CONTENT`);
- the registry's entries of the kinds in `DEMO_KINDS` (foreign and demo
  organizations), with their `mappings:` and their section's comment; the
  Chilean institutions, comments included, stay.

Pages (`content/paginas/`), `sources.yaml`, settings and the theme are kept:
edit them. Running it again changes nothing.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path

from aggregator import yamlio
from aggregator.snapshot import ROOT, SnapshotError, read_registry

from .snapshot import demo_ids, foreign_sources

# The demo's editor content, relative to content/ (new example files go here too).
DEMO_CONTENT = [
    "noticias/2026-10-15-datos-de-salud.md",
    "noticias/2026-11-20-nace-el-portal.md",
    "noticias/2026-11-24-consultas-abiertas.md",
    "apps/mapa-de-consultorios.md",
    "apps/presupuesto-abierto.md",
    "eventos/2026-09-28-dia-del-acceso.md",
    "eventos/2026-12-03-taller-datos-abiertos.md",
    "eventos/2026-12-10-encuentro-participacion.md",
    "images/apps/mapa-consultorios.svg",
    "images/apps/presupuesto-abierto.svg",
]
# Registry entries that exist only for the demo's foreign sources.
DEMO_KINDS = {"organismo extranjero", "empresa extranjera", "organización de demostración"}
REGISTRY = "institutions.yaml"

_ITEM = re.compile(r"^- id:\s*(\S+)")
_MAPPING = re.compile(r"^\s+(?:\"(?:[^\"\\]|\\.)*\"|'(?:[^']|'')*'|[^#\s][^:]*):\s*(\S+)\s*$")


def _units(lines: list[str]) -> list[tuple[str, list[str]]]:
    """The file cut into (kind, lines): "header" (comment lines at column 0),
    "item" (one institution), "mappings" (that section), "other"."""
    units: list[tuple[str, list[str]]] = []
    for line in lines:
        at_margin = line.strip() and not line[0].isspace()
        if at_margin:
            kind = ("item" if _ITEM.match(line) else "header" if line.startswith("#")
                    else "mappings" if line.startswith("mappings:") else "other")
            if kind == "header" and units and units[-1][0] == "header" and \
                    units[-1][1][-1].startswith("#"):
                units[-1][1].append(line)
                continue
            units.append((kind, [line]))
        elif units:
            units[-1][1].append(line)
        else:
            units.append(("other", [line]))
    return units


def _drop_mappings(lines: list[str], drop: set[str]) -> list[str]:
    """The mappings section without entries naming a dropped id, nor the comment
    lines standing right above only such entries; nothing when none is left."""
    head, body = lines[0], lines[1:]
    groups: list[tuple[list[str], list[str]]] = []     # (comments, entries)
    for line in body:
        if line.lstrip().startswith("#"):
            if not groups or groups[-1][1]:
                groups.append(([], []))
            groups[-1][0].append(line)
        elif line.strip():
            if not groups:
                groups.append(([], []))
            groups[-1][1].append(line)
    out = []
    for comments, entries in groups:
        kept = [e for e in entries if not ((m := _MAPPING.match(e)) and m[1] in drop)]
        if kept or not entries:
            out.extend([*comments, *kept])
    return [head, *out] if any(not x.lstrip().startswith("#") for x in out) else []


def drop_institutions(text: str, drop: set[str]) -> str:
    """The registry's text without the institutions in `drop`: their entries,
    their mappings, and a section comment all of whose entries are gone."""
    out: list[list[str]] = []
    header = None           # [index in out, entries kept, entries dropped]

    def close_section():
        if header and header[2] and not header[1]:
            out[header[0]] = []

    for kind, lines in _units(text.splitlines(keepends=True)):
        if kind == "item":
            gone = _ITEM.match(lines[0])[1] in drop
            if header:
                header[1 + gone] += 1
            if not gone:
                out.append(lines)
            continue
        close_section()
        header = [len(out), 0, 0] if kind == "header" else None
        out.append(_drop_mappings(lines, drop) if kind == "mappings" else lines)
    close_section()
    return "".join(line for chunk in out for line in chunk)


def demo_institutions(path: Path) -> set[str]:
    doc = yamlio.load_file(path) or {}
    return {i.get("id") for i in doc.get("institutions") or []
            if isinstance(i, dict) and i.get("kind") in DEMO_KINDS}


def plan(content: Path, data: Path) -> tuple[list[Path], set[str]]:
    """(files and folders to remove, registry ids to drop)."""
    remove = [p for rel in DEMO_CONTENT if (p := content / rel).exists()]
    remove += [p for sid in sorted(demo_ids())
               if (p := data / "sources" / f"{sid}.yaml").exists()]
    if not foreign_sources(data) and data.is_dir():
        # Only the demo was ever harvested here: what its run wrote goes too.
        remove += [p for p in sorted(data.iterdir())
                   if p.name not in (REGISTRY, "sources") and not p.name.startswith(".")]
    registry = data / REGISTRY
    drop = demo_institutions(registry) if registry.exists() else set()
    return remove, drop


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m devtools.new_portal",
                                description="Remove the demo: start a real portal.")
    p.add_argument("--content", type=Path, default=ROOT / "content")
    p.add_argument("--data", type=Path, default=None, help="default: <content>/data")
    p.add_argument("--dry-run", action="store_true", help="say what would go, change nothing")
    args = p.parse_args(argv)
    data = args.data or args.content / "data"
    try:
        remove, drop = plan(args.content, data)
        registry = data / REGISTRY
        new_registry = None
        if drop:
            new_registry = drop_institutions(registry.read_text("utf-8"), drop)
            check = registry.with_name(f".{REGISTRY}.new")
            check.write_text(new_registry, "utf-8")
            try:
                read_registry(check, None)      # the result must be a valid registry
            finally:
                check.unlink()
    except (yamlio.YamlError, SnapshotError, OSError) as exc:
        print(f"error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2
    for path in remove:
        print(f"{'would remove' if args.dry_run else 'removed'} {path}")
    if drop:
        print(f"{'would drop' if args.dry_run else 'dropped'} {len(drop)} demo institution(s) "
              f"from {registry}: {', '.join(sorted(drop))}")
    if args.dry_run:
        return 0
    for path in remove:
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    if new_registry is not None:
        yamlio.write_atomic(registry, new_registry.encode("utf-8"))
    if not remove and not drop:
        print("nothing of the demo is left")
    print("next: list your sources in sources.yaml, then `make aggregate html` "
          "(docs/new-portal.md)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
