"""A site for the export tests: the handcrafted snapshot (tests/site_snapshot.py)
plus a source of datasets written to break exporters (quotes, backslashes, new
lines, `>` and braces in URLs, Turtle and JSON syntax in text, a line separator),
built once per session with small DCAT pages (PORTAL_DCAT_PAGE_SIZE = 50), so
the 125 datasets fill three pages linked by hydra:next. The hostile datasets
also carry coverage in space and time, contact points and declared media types
(each form the records hold), and two records removed at their source (a
dataset and an open consultation, in tombstones/) that no export may hold.
"""

from __future__ import annotations

from pathlib import Path

import site_snapshot

from aggregator import tombstones
from aggregator.records import Consultation, Dataset, License, Resource
from aggregator.snapshot import write_source_file

PAGE_SIZE = 50
HOSTILE_TITLE = ('Título "con comillas" \\ barra <script>alert(1)</script> """ \'\'\' .\n'
                 '@prefix x: <y> .')
HOSTILE_TAGS = ['"; <http://malo.example/> .', "}]}", "línea\nnueva", "\u2028separador"]
HOSTILE_URL = 'https://hostil.example/a b/"comillas"/<menor>{llave}|^`\\'
# (spatial, temporal, contact_point) of hostil:h1..h5, every form the records hold.
COVERAGE = [('Lugar "raro" <x> \\ .', "2020-01-01/..",
             'Oficina "de prueba" <contacto@hostil.example>'),
            ("-75.6,-55.98,-66.4,-17.5", "2019-01-01/2020-12-31", "Solo un nombre"),
            ("http://sws.geonames.org/3895114/", "../2021-06", "datos@hostil.example"),
            (None, None, None), (None, "2024-01-01T00:00:00+00:00/2024-12-31", None)]
REMOVED_DATASET = "Conjunto retirado de la fuente"
REMOVED_CONSULTATION = "Consulta retirada de la fuente"


def hostile_datasets() -> list[Dataset]:
    out = []
    for n in range(1, 6):
        out.append(Dataset(
            id=f"hostil:h{n}", source="hostil", remote_id=f"h{n}",
            url=f"{HOSTILE_URL}{n}", institution=None, title=f"{HOSTILE_TITLE} {n}",
            description_html='<p>Texto ]]> <!-- comentario --> "x" \\u0000 </p>',
            publisher='Oficina "de prueba" <b>', themes=['Tema "raro" \\', "Salud pública"],
            tags=HOSTILE_TAGS, license=License('lic"1', 'Licencia "rara"', None),
            issued="2024-01-0" + str(n), modified="2024-02-03T04:05:06+00:00",
            frequency='cada "tanto"',
            spatial=COVERAGE[n - 1][0], temporal=COVERAGE[n - 1][1],
            contact_point=COVERAGE[n - 1][2],
            resources=[Resource('Recurso "1"', 'CSV"><x', f"{HOSTILE_URL}/r{n}.csv", 10, None),
                       Resource(None, None, "https://hostil.example/sin-formato", None, None,
                                "application/vnd.ms-excel" if n == 2 else None)]))
    return out


def removed(data: Path) -> None:
    """A dataset and an open consultation removed at their source: tombstones."""
    gone = Dataset(id="portal-datos:retirado", source="portal-datos", remote_id="retirado",
                   url="https://datos.example/dataset/retirado", institution="ministerio-de-salud",
                   title=REMOVED_DATASET, description_html="<p>Ya no está.</p>",
                   publisher="Ministerio de Salud", themes=["salud"], tags=["retirado"],
                   license=None, issued="2020-01-01", modified="2026-01-01", frequency=None,
                   resources=[Resource("Retirado", "CSV", "https://datos.example/r.csv", 1, None)])
    tombstones.update(data, "portal-datos", [gone], [], site_snapshot.STAMP)
    closed = Consultation(id="participa:retirada", source="participa", remote_id="retirada",
                          url="https://participa.example/procesos/retirada",
                          institution="ministerio-de-salud", title=REMOVED_CONSULTATION,
                          kind="consulta pública", description_html="<p>Ya no está.</p>",
                          start="2026-11-01", end="2026-12-31", steps=[])
    tombstones.update(data, "participa", [closed], [], site_snapshot.STAMP)


def write(data: Path) -> Path:
    site_snapshot.write(data)
    write_source_file(data, "hostil", "dcat", site_snapshot.STAMP, hostile_datasets(),
                      cache_dir=False, name="Fuente hostil (prueba)", url="https://hostil.example")
    removed(data)
    return data


def conf(folder: Path, **settings) -> Path:
    from conftest import ROOT

    path = folder / "conf.py"
    lines = [f"import sys\nsys.path.insert(0, {str(ROOT)!r})\nfrom pelicanconf import *"]
    lines += [f"{k} = {v!r}" for k, v in settings.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


def build_once(tmp_path_factory) -> Path:
    """The export site, built once per test session; returns its output folder."""
    root = tmp_path_factory.getbasetemp() / "site-exports"
    root.mkdir(exist_ok=True)
    return site_snapshot.build_once(tmp_path_factory, "exports", write,
                                    conf=conf(root, PORTAL_DCAT_PAGE_SIZE=PAGE_SIZE))
