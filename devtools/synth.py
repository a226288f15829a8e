"""A SYNTHETIC snapshot for benchmarks and scale tests: not real data.

Deterministic from a seed: the same (datasets, seed) always gives the same
files. Spanish-like text; institutions, datasets with 1-6 resources, news,
consultations and lobby records, spread over several source files the way a
real harvest is. Every source is named `sintetico-*` and every institution's
name ends in "(sintética)" so nobody mistakes it for the real portal.

    python -m devtools.synth --datasets 10000 --out /tmp/snap10k
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from aggregator import yamlio
from aggregator.records import Consultation, Dataset, Institution, License, NewsItem, Resource
from aggregator.records_registers import TransparencyEntry
from aggregator.snapshot import write_source_file

TOPICS = ["salud", "educación", "presupuesto", "transporte", "medio ambiente", "vivienda",
          "seguridad pública", "energía", "agricultura", "pesca", "minería", "trabajo",
          "cultura", "deportes", "turismo", "obras públicas", "justicia", "migración",
          "economía", "hacienda", "ciencia", "tecnología", "agua", "bosques", "pueblos indígenas",
          "género", "infancia", "personas mayores", "discapacidad", "emergencias"]
NOUNS = ["presupuesto", "ejecución", "licitaciones", "compras", "contratos", "subsidios",
         "becas", "matrícula", "establecimientos", "hospitales", "consultorios", "atenciones",
         "listas de espera", "accidentes", "permisos", "patentes", "viviendas", "proyectos",
         "inversiones", "remuneraciones", "dotación", "funcionarios", "transferencias",
         "beneficiarios", "estaciones", "mediciones", "emisiones", "denuncias", "causas",
         "audiencias", "solicitudes", "resoluciones", "decretos", "indicadores", "encuestas",
         "catastro", "registro", "nómina", "estadísticas", "series"]
QUALIFIERS = ["por región", "por comuna", "mensual", "anual", "histórico", "consolidado",
              "por servicio", "por género", "por tramo de edad", "a nivel nacional",
              "por establecimiento", "trimestral", "georreferenciado", "por programa"]
WORDS = ["el", "la", "de", "los", "las", "del", "en", "para", "por", "con", "datos", "información", "pública", "gobierno", "ministerio", "servicio", "nacional", "regional", "comunal", "registro", "año", "período", "total", "cantidad", "monto", "pesos", "personas", "hogares", "estudio", "análisis", "resultado", "cobertura", "calidad", "acceso", "ciudadanía", "transparencia", "participación", "proceso", "consulta", "plan", "programa", "política", "estrategia", "desarrollo", "sostenible", "territorio", "población"]
REGIONS = ["Arica y Parinacota", "Tarapacá", "Antofagasta", "Atacama", "Coquimbo",
           "Valparaíso", "Metropolitana de Santiago", "O'Higgins", "Maule", "Ñuble", "Biobío",
           "La Araucanía", "Los Ríos", "Los Lagos", "Aysén", "Magallanes"]
KINDS = ["Ministerio", "Subsecretaría", "Servicio", "Superintendencia", "Municipalidad",
         "Gobierno Regional", "Empresa pública"]
FORMATS = ["CSV", "XLSX", "JSON", "PDF", "XML", "ZIP", "GeoJSON", "SHP", "API"]
LICENSES = [License("cc-by-4.0", "Creative Commons Atribución 4.0",
                    "https://creativecommons.org/licenses/by/4.0/"),
            License("cc0-1.0", "Creative Commons CC0 1.0",
                    "https://creativecommons.org/publicdomain/zero/1.0/"),
            License("odc-odbl", "Open Data Commons ODbL",
                    "https://opendatacommons.org/licenses/odbl/1-0/")]
SYNTH_HOST = "https://sintetico.invalid"


def _sentence(rng: random.Random, n: int) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def _day(rng: random.Random, start: date, span: int) -> date:
    return start + timedelta(days=rng.randrange(span))


def institutions(count: int, rng: random.Random) -> list[Institution]:
    out = []
    for i in range(count):
        kind = KINDS[i % len(KINDS)]
        topic = TOPICS[i % len(TOPICS)]
        region = REGIONS[i % len(REGIONS)]
        name = f"{kind} de {topic.capitalize()} {region} {i + 1} (sintética)"
        acronym = "".join(w[0] for w in f"{kind} {topic}".split()).upper() + str(i + 1)
        out.append(Institution(id=f"sint-{i + 1:04d}", name=name, acronym=acronym,
                               kind=kind, region=region, website=f"{SYNTH_HOST}/inst/{i + 1}",
                               cplt_code=f"SX{i + 1:04d}"))
    return out


def dataset(n: int, source: str, inst: Institution, rng: random.Random) -> Dataset:
    topic = rng.choice(TOPICS)
    year = rng.randrange(2012, 2026)
    title = f"{rng.choice(NOUNS).capitalize()} de {topic} {rng.choice(QUALIFIERS)} {year}"
    issued = _day(rng, date(2012, 1, 1), 4000)
    modified = issued + timedelta(days=rng.randrange(900))
    resources = []
    for r in range(rng.randint(1, 6)):
        fmt = rng.choice(FORMATS)
        resources.append(Resource(title=f"{title} ({fmt}) parte {r + 1}", format=fmt,
                                  url=f"{SYNTH_HOST}/{source}/{n}/recurso-{r + 1}.{fmt.lower()}",
                                  size=rng.randrange(2_000, 80_000_000),
                                  modified=modified.isoformat()))
    desc = " ".join(_sentence(rng, rng.randint(8, 18)) for _ in range(rng.randint(2, 5)))
    return Dataset(id=f"{source}:ds-{n:07d}", source=source, remote_id=f"ds-{n:07d}",
                   url=f"{SYNTH_HOST}/{source}/dataset/ds-{n:07d}", institution=inst.id,
                   title=title, description_html=f"<p>{desc}</p>", publisher=inst.name,
                   themes=[topic], tags=rng.sample(NOUNS, 3), license=rng.choice(LICENSES),
                   issued=issued.isoformat(), modified=modified.isoformat(),
                   frequency=rng.choice(["anual", "mensual", "trimestral", None]),
                   resources=resources)


def generate(out: Path, datasets: int, seed: int = 1, per_source: int = 10_000,
             today: date | None = None, institutions_count: int | None = None) -> dict:
    """Write a synthetic snapshot folder; return counts. `institutions_count`
    overrides the default (one institution per 100 datasets, 10 to 1,000)."""
    rng = random.Random(seed)
    today = today or date(2026, 6, 1)
    if out.exists():
        shutil.rmtree(out)
    (out / "sources").mkdir(parents=True)
    n_inst = institutions_count or max(10, min(1000, datasets // 100))
    insts = institutions(n_inst, rng)
    yamlio.write_atomic(out / "institutions.yaml", yamlio.dumps(
        {"institutions": [i.to_dict() for i in insts]}))
    stamp = "2026-06-01T00:00:00+00:00"
    n_sources = max(1, -(-datasets // per_source))
    for s in range(n_sources):
        source = f"sintetico-datos-{s + 1:02d}"
        lo, hi = s * per_source, min(datasets, (s + 1) * per_source)
        recs = [dataset(n, source, insts[rng.randrange(n_inst)], rng) for n in range(lo, hi)]
        write_source_file(out, source, "ckan", stamp, recs, cache_dir=False)
    n_news = max(20, datasets // 20)
    news = []
    for n in range(n_news):
        inst = insts[rng.randrange(n_inst)]
        day = today - timedelta(days=rng.randrange(700))
        news.append(NewsItem(id=f"sintetico-noticias:n{n}", source="sintetico-noticias",
                             remote_id=f"n{n}", url=f"{SYNTH_HOST}/noticias/{n}",
                             institution=inst.id, publisher=inst.name,
                             title=_sentence(rng, 8)[:-1],
                             summary_html=f"<p>{_sentence(rng, 30)}</p>",
                             published=f"{day.isoformat()}T10:00:00-03:00"))
    write_source_file(out, "sintetico-noticias", "feed", stamp, news, cache_dir=False)
    consultations = []
    for n in range(max(10, datasets // 200)):
        inst = insts[rng.randrange(n_inst)]
        start = today - timedelta(days=rng.randrange(-60, 240))
        end = start + timedelta(days=rng.randrange(14, 90))
        consultations.append(Consultation(
            id=f"sintetico-participacion:c{n}", source="sintetico-participacion",
            remote_id=f"c{n}", url=f"{SYNTH_HOST}/participa/{n}", institution=inst.id,
            title=f"Consulta ciudadana sobre {rng.choice(TOPICS)} {n}",
            description_html=f"<p>{_sentence(rng, 40)}</p>", kind="consulta pública",
            start=start.isoformat(), end=end.isoformat()))
    write_source_file(out, "sintetico-participacion", "decidim", stamp, consultations,
                      cache_dir=False)
    lobby = []
    for n in range(max(20, datasets // 50)):
        inst = insts[rng.randrange(n_inst)]
        lobby.append(TransparencyEntry(
            id=f"sintetico-lobby:a{n}", source="sintetico-lobby", remote_id=f"a{n}",
            url=f"{SYNTH_HOST}/lobby/{n}", institution=inst.id, publisher=inst.name,
            title=f"Audiencia sobre {rng.choice(TOPICS)}", kind="audiencia",
            date=_day(rng, date(2020, 1, 1), 2000).isoformat(),
            description_html=f"<p>{_sentence(rng, 20)}</p>", place="Santiago",
            persons=[f"Persona {rng.randrange(5000)}"], organizations=["Empresa (sintética)"]))
    write_source_file(out, "sintetico-lobby", "csv", stamp, lobby, cache_dir=False)
    return {"institutions": n_inst, "datasets": datasets, "news": n_news,
            "consultations": len(consultations), "transparency": len(lobby),
            "sources": n_sources + 3}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--datasets", type=int, default=1000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--institutions", type=int, default=None,
                   help="institutions (default: one per 100 datasets, 10 to 1,000)")
    p.add_argument("--out", type=Path, required=True)
    args = p.parse_args(argv)
    started = time.monotonic()
    counts = generate(args.out, args.datasets, args.seed,
                      institutions_count=args.institutions)
    print(f"synthetic snapshot in {args.out}: {counts} ({time.monotonic() - started:.1f}s)",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
