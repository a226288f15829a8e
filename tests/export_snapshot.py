"""A site for the export tests: the handcrafted snapshot (tests/site_snapshot.py)
plus a source of datasets written to break exporters (quotes, backslashes, new
lines, `>` and braces in URLs, Turtle and JSON syntax in text, a line separator),
built once per session with small DCAT pages (PORTAL_DCAT_PAGE_SIZE = 50), so
the 125 datasets fill three pages linked by hydra:next.
"""

from __future__ import annotations

from pathlib import Path

import site_snapshot
from aggregator.records import Dataset, License, Resource
from aggregator.snapshot import write_source_file

PAGE_SIZE = 50
HOSTILE_TITLE = ('Título "con comillas" \\ barra <script>alert(1)</script> """ \'\'\' .\n'
                 '@prefix x: <y> .')
HOSTILE_TAGS = ['"; <http://malo.example/> .', "}]}", "línea\nnueva", "\u2028separador"]
HOSTILE_URL = 'https://hostil.example/a b/"comillas"/<menor>{llave}|^`\\'


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
            resources=[Resource('Recurso "1"', 'CSV"><x', f"{HOSTILE_URL}/r{n}.csv", 10, None),
                       Resource(None, None, "https://hostil.example/sin-formato", None, None)]))
    return out


def write(data: Path) -> Path:
    site_snapshot.write(data)
    write_source_file(data, "hostil", "dcat", site_snapshot.STAMP, hostile_datasets(),
                      cache_dir=False, name="Fuente hostil (prueba)", url="https://hostil.example")
    return data


def conf(folder: Path, **settings) -> Path:
    from conftest import ROOT   # noqa: PLC0415

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
