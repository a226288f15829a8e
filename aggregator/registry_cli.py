"""`python -m aggregator institutions import --from chilecompra|cplt FILE [--data DIR]`:
what the import prints and writes (see registry_import.py for the matching)."""

from __future__ import annotations

import sys
from pathlib import Path

from .registry_import import KINDS, Importer, ImportError_, apply, read_list
from .registry_write import write_registry
from .runner import EXIT_OK, EXIT_USAGE
from .snapshot import SnapshotError, read_registry

HEADERS = {"chilecompra": "Importadas de ChileCompra (compradores públicos, BuscarComprador)",
           "cplt": "Importadas de los códigos de institución del Consejo para la Transparencia"}


def import_list(kind: str, file: Path, data: Path, out=None) -> int:
    out = out or sys.stdout
    path = Path(data) / "institutions.yaml"
    try:
        institutions, mappings = read_registry(path)
        bodies = read_list(kind, file)
    except (SnapshotError, ImportError_) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    plan = Importer(institutions, kind).plan(bodies)
    field = KINDS[kind]
    for body, inst in plan.added:
        out.write(f"added      {inst.id}  {inst.name} ({field} {body.code})\n")
    for body, iid, how, fields in plan.matched:
        note = f"; set {', '.join(fields)}" if fields else ""
        out.write(f"matched    {iid}  by {how}: {body.name} ({body.code}){note}\n")
    for body, why in plan.undecided:
        out.write(f"undecided  {body.name} ({field} {body.code}, {body.where}): {why}\n")
    before = len(institutions)
    changes = {iid: {f: (body.code if f == field else getattr(body, f)) for f in fields}
               for body, iid, _, fields in plan.matched if fields}
    after = apply(institutions, plan, kind)
    updated = len(changes)
    if plan.changed:
        kept = write_registry(path, after, mappings, changes, [i for _, i in plan.added],
                              HEADERS[kind])
        if not kept:
            out.write(f"note: {path} was not laid out as the editors' file is; it was "
                      f"written whole (its comments are gone)\n")
    out.write(f"{len(bodies)} bodies in {file}: {len(plan.added)} added, {len(plan.matched)} "
              f"matched ({updated} updated), {len(plan.undecided)} undecided; the registry "
              f"has {len(after)} institutions (was {before})"
              f"{'' if plan.changed else '; nothing to change'}\n")
    return EXIT_OK
