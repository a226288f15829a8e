"""Registers: reading a lobby register export, importing a list of public bodies,
building the register's pages.

1. Reader: a SYNTHETIC InfoLobby-shaped export (devtools/synth_registers.py)
   with 1,000,000 meetings and 3,000,000 attendance rows, served over HTTP by
   the replay server and read by the `lobby` adapter (repairs, joins,
   normalized records, streamed and counted, not kept): seconds and peak RSS of
   that process. Beside it, the floor: the same files split into fields by a
   bare loop (no decoding by line, no repair, no join), in its own process.
   Goal: <= 60 s and <= 2 GB.
2. Registry import: 1,000 bodies (a ChileCompra-shaped list) against a registry
   of 1,000: seconds of the import (read, match, text-preserving write) and of
   the same import again (nothing to change), beside reading the registry.
3. Site: a snapshot with BENCH_REGISTER_SITE meetings (default 50,000) plus a
   tenth as many trips and gifts: full build (pages, pages/s, CPU), a rebuild
   with nothing changed and one with one meeting changed.

    python -m bench --only bench_registers
    BENCH_REGISTER_AUDIENCES=100000 python -m bench --only bench_registers
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path

from .common import PY, say, table

TITLE = "Registers: lobby export reader (1M meetings), registry import, register pages"
AUDIENCES = int(os.environ.get("BENCH_REGISTER_AUDIENCES", "1000000"))
SITE_AUDIENCES = int(os.environ.get("BENCH_REGISTER_SITE", "50000"))
PARTS = os.environ.get("BENCH_REGISTER_PARTS", "reader,import,site").split(",")
TABLES = ["Audiencias", "AsistenciaPasivo", "Pasivos", "AsistenciaActivo", "Activos",
          "Representacion", "Entidad", "Viajes", "Donativos"]


def _export(ctx, audiences: int) -> Path:
    from devtools.synth_registers import write_export
    folder = ctx.out / "registers" / f"export-{audiences}"
    marker = folder / ".complete"
    if not marker.exists():
        started = time.perf_counter()
        counts = write_export(folder, audiences)
        (folder / "counts.json").write_text(json.dumps(counts))
        marker.write_text("ok\n")
        say(f"  (generated a synthetic export of {audiences:,} meetings in "
            f"{time.perf_counter() - started:.0f}s: {counts})")
    return folder


def _reader(ctx) -> None:
    from devtools.replay import ReplayServer
    folder = _export(ctx, AUDIENCES)
    counts = json.loads((folder / "counts.json").read_text())
    size = sum((folder / f"{t}.csv").stat().st_size for t in TABLES)
    attendance = counts["AsistenciaPasivo"] + counts["AsistenciaActivo"]
    say(f"  export: {AUDIENCES:,} meetings ({counts['Audiencias']:,} rows), "
        f"{attendance:,} attendance rows, {size / 1e6:,.0f} MB in 9 files")
    from .bench_build import _run
    floor = _run([PY, "-m", "bench.bench_registers", "--floor", str(folder)], {})
    with ReplayServer() as server:
        for t in TABLES:
            server.add(f"/export/{t}.csv", folder / f"{t}.csv", content_type="text/csv",
                       validators=False)
        read = _run([PY, "-m", "bench.bench_registers", "--read", server.url + "/export/"], {})
    for m, what in ((floor, "floor"), (read, "reader")):
        if m.returncode != 0:
            raise RuntimeError(f"{what} failed:\n{m.stderr[-3000:]}")
    info = json.loads(read.stdout.strip().splitlines()[-1])
    rows = [("lobby adapter over HTTP", f"{read.seconds:.1f}", f"{read.cpu:.1f}",
             f"{read.peak_rss_mb:,.0f}", f"{info['records']:,}", f"{info['warnings']:,}"),
            ("floor: split lines of the 9 files", f"{floor.seconds:.1f}", f"{floor.cpu:.1f}",
             f"{floor.peak_rss_mb:,.0f}", "", "")]
    table(rows, ("reading", "seconds", "CPU s", "peak MB", "records", "notes"))
    say(f"  kinds: {info['kinds']}; reader/floor: {read.seconds / floor.seconds:.1f}x "
        f"(CPU {read.cpu / floor.cpu:.1f}x); goal <= 60 s and <= 2,048 MB; the machine's "
        f"load average at the end: {os.getloadavg()[0]:.1f}")


def _import(ctx) -> None:
    from aggregator import yamlio
    from aggregator.registry_cli import import_list
    from aggregator.snapshot import read_registry
    from devtools.synth_registers import FIRST, LAST
    folder = ctx.out / "registers" / "import"
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "data").mkdir(parents=True)
    kinds = ["Municipalidad", "Servicio", "Hospital", "Corporación", "Dirección"]
    existing = [{"id": f"inst-{i:04d}", "name": f"{kinds[i % 5]} de {FIRST[i % 16]} "
                 f"{LAST[i // 16 % 15]} {i}", "kind": kinds[i % 5].lower()}
                for i in range(1000)]
    for i in range(0, 1000, 4):         # a quarter already carries its code
        existing[i]["chilecompra_code"] = str(100000 + i)
    text = "# Registro sintético (benchmark)\ninstitutions:\n" + "".join(
        "\n" + yamlio.dumps([e]).decode() for e in existing)
    registry = folder / "data" / "institutions.yaml"
    registry.write_text(text, "utf-8")
    # 250 match by code, 250 by name, 500 are new.
    bodies = [{"CodigoEmpresa": str(100000 + i), "NombreEmpresa": existing[i]["name"]}
              for i in range(0, 1000, 4)]
    bodies += [{"CodigoEmpresa": str(200000 + i), "NombreEmpresa": existing[i]["name"].upper()}
               for i in range(1, 1000, 4)]
    bodies += [{"CodigoEmpresa": str(300000 + i), "NombreEmpresa": f"Organismo nuevo {i} "
                f"de {LAST[i % 15]}"} for i in range(500)]
    listing = folder / "compradores.json"
    listing.write_text(json.dumps({"Cantidad": len(bodies), "listaEmpresas": bodies}))
    with open(os.devnull, "w") as sink:
        started = time.perf_counter()
        read_registry(registry)
        reading = time.perf_counter() - started
        started = time.perf_counter()
        import_list("chilecompra", listing, folder / "data", out=sink)
        first = time.perf_counter() - started
        after = len(read_registry(registry)[0])
        started = time.perf_counter()
        import_list("chilecompra", listing, folder / "data", out=sink)
        second = time.perf_counter() - started
    table([("import 1,000 bodies into 1,000", f"{first:.2f}", f"{after:,} institutions after"),
           ("the same import again (nothing to change)", f"{second:.2f}", ""),
           ("reference: reading the registry (1,000)", f"{reading:.2f}", "")],
          ("registry", "seconds", ""))


def _site(ctx) -> None:
    from aggregator.snapshot import read_source_file, write_source_file
    from devtools.synth_registers import write_snapshot

    from .bench_build import _pelican, _portal_only_conf, _run
    root = ctx.out / "registers" / f"site-{SITE_AUDIENCES}"
    data = root / "data"
    if not (root / ".complete").exists():
        shutil.rmtree(root, ignore_errors=True)
        write_snapshot(data, SITE_AUDIENCES)
        (root / ".complete").write_text("ok\n")
    cache, out = root / "cache", root / "out"
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(cache / "build", ignore_errors=True)
    env = {"PORTAL_DATA": str(data), "PORTAL_CACHE": str(cache), "PORTAL_TODAY": "2026-06-15",
           "PORTAL_SEARCH_INDEX": "0"}
    conf = _portal_only_conf(ctx)
    _run([PY, "-m", "bench.bench_snapshot", "--load", str(data), "--cache", str(cache)], {})
    full = _run(_pelican(out, conf), env)
    pages = sum(1 for _ in out.rglob("*.html"))
    same = _run(_pelican(out, conf), env)
    path = data / "sources" / "sint-registro.yaml"
    original = path.read_bytes()
    sf = read_source_file(path, cache)
    sf.records[SITE_AUDIENCES // 2].title += " (corregida)"
    write_source_file(data, sf.source, sf.adapter, "2026-06-10T00:00:00+00:00", sf.records,
                      cache, name=sf.name)
    one = _run(_pelican(out, conf), env)
    path.write_bytes(original)
    for m in (full, same, one):
        if m.returncode != 0:
            raise RuntimeError(m.stderr[-3000:])
    table([("full build", f"{pages:,}", f"{full.seconds:.1f}", f"{full.cpu:.1f}",
            f"{pages / full.seconds:,.0f}", f"{full.peak_rss_mb:,.0f}"),
           ("rebuild, nothing changed", "", f"{same.seconds:.1f}", f"{same.cpu:.1f}", "",
            f"{same.peak_rss_mb:,.0f}"),
           ("rebuild, one meeting retitled", "", f"{one.seconds:.1f}", f"{one.cpu:.1f}", "",
            f"{one.peak_rss_mb:,.0f}")],
          (f"site, {SITE_AUDIENCES:,} meetings", "pages", "seconds", "CPU s", "pages/s",
           "peak MB"))
    say(f"  nothing changed: {same.seconds / full.seconds:.1%} of the full build; "
        f"one meeting: {one.seconds / full.seconds:.1%}")


def run(ctx) -> None:
    for name, part in (("reader", _reader), ("import", _import), ("site", _site)):
        if name in PARTS:
            part(ctx)


# -- the measured processes ------------------------------------------------------

def _read(url: str) -> None:
    """Read the export at `url` with the lobby adapter; print counts as JSON."""
    from collections import Counter

    from aggregator.adapters.base import HarvestContext
    from aggregator.adapters.lobby_register import LobbyRegisterAdapter
    from aggregator.config import SourceConfig
    from aggregator.http import Http
    settings = {"max_body_bytes": 8 << 30, "read_timeout": 600, "max_seconds": 3600}
    source = SourceConfig(id="infolobby", adapter="lobby", url=url)
    adapter = LobbyRegisterAdapter(source, Http(settings, None), HarvestContext(settings))
    kinds: Counter = Counter()
    for raw in adapter.list_items():
        kinds[adapter.normalize(raw).kind] += 1
    print(json.dumps({"records": sum(kinds.values()), "kinds": dict(kinds),
                      "warnings": len(adapter.context.warnings)}))


def _floor(folder: str) -> None:
    rows = 0
    for t in TABLES:
        with open(Path(folder) / f"{t}.csv", "rb") as f:
            for line in f:
                rows += len(line.split(b";")) > 0
    print(json.dumps({"rows": rows}))


if __name__ == "__main__":
    if sys.argv[1] == "--read":
        _read(sys.argv[2])
    elif sys.argv[1] == "--floor":
        _floor(sys.argv[2])
