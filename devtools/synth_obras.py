"""SYNTHETIC public works for the benchmarks: a register export written the messy
ways real ones are (Latin-1, `;`, decimal commas, amounts with digit groups and
currency signs, coordinates with commas or grouped digits, Spanish status words,
months as dates). Not real data: every work's name ends in "(sintética)" and its
links are on sintetico.invalid.

The columns are the `obra` record's field names, so the csv adapter reads the file
with `record_type: obra` and no column mapping. Deterministic from the seed.
"""

from __future__ import annotations

import csv
import io
import random

from .synth import NOUNS, REGIONS, SYNTH_HOST, TOPICS

COLUMNS = ["id", "title", "description", "publisher", "kind", "status", "progress", "amount",
           "contractor", "region", "commune", "address", "lat", "lon", "start", "end_planned",
           "url", "image"]
KINDS = ["Escuela", "Hospital", "Consultorio", "Camino", "Puente", "Vivienda",
         "Espacio público", "Agua potable", "Alcantarillado", "Edificio público"]
STATUSES = [("Finalizada", 40), ("En ejecución", 25), ("En obra", 5), ("En licitación", 6),
            ("Adjudicada", 4), ("En proyecto", 4), ("Paralizada", 3), ("Rescindida", 2),
            ("Terminada", 8), ("Iniciada", 2), ("Sin información", 1)]
# Chile's mainland, where the synthetic works are.
BOUNDS = [-76.0, -56.0, -66.0, -17.0]


def _amount(rng: random.Random) -> str:
    value = rng.randrange(1_000_000, 5_000_000_000)
    cents = rng.randrange(100)
    grouped = f"{value:,}".replace(",", ".")
    return rng.choice([str(value), grouped, f"{value},{cents:02d}", f"$ {grouped},{cents:02d}",
                       ""])


def _coordinate(rng: random.Random, low: float, high: float) -> str:
    value = rng.uniform(low, high)
    six = f"{value:.6f}"
    whole, frac = six.split(".")
    return rng.choice([six.replace(".", ","), six, f"{whole}.{frac[:3]}.{frac[3:]}",
                       f"{whole}{frac}", six.replace(".", ","), ""])


def _day(rng: random.Random, year: int) -> str:
    month, day = rng.randrange(1, 13), rng.randrange(1, 29)
    return rng.choice([f"{year}-{month:02d}-{day:02d}", f"{day:02d}/{month:02d}/{year}",
                       f"{month:02d}/{year % 100:02d}"])


def work(n: int, publishers: list[str], rng: random.Random) -> list[str]:
    status = rng.choices([s for s, _w in STATUSES], [w for _s, w in STATUSES])[0]
    progress = "100" if status in ("Finalizada", "Terminada") else rng.choice(
        ["0", str(rng.randrange(1, 100)), f"{rng.randrange(1, 100)},{rng.randrange(10, 99)}", ""])
    start = rng.randrange(2012, 2026)
    region = REGIONS[n % len(REGIONS)]
    kind = rng.choice(KINDS)
    return [str(n + 1), f"{kind} {rng.choice(NOUNS)} de {rng.choice(TOPICS)} {n + 1} (sintética)",
            (f"Obra de {kind.lower()} en la comuna {n % 23 + 1} de {region}. "
             f"Contempla {rng.choice(NOUNS)} y {rng.choice(NOUNS)}."),
            rng.choice(publishers), kind, status, progress, _amount(rng),
            f"Constructora {rng.randrange(400)} (sintética)", region,
            f"Comuna {n % 23 + 1} de {region}", f"Calle {rng.randrange(1, 900)} N° {n % 3000}",
            _coordinate(rng, -55.0, -18.0), _coordinate(rng, -75.0, -67.0),
            _day(rng, start), _day(rng, start + rng.randrange(0, 4)),
            f"{SYNTH_HOST}/obras/{n + 1}", rng.choice(["", f"{SYNTH_HOST}/obras/{n + 1}.jpg"])]


def obras_csv(count: int, publishers: list[str], seed: int = 1) -> bytes:
    """The export of `count` synthetic works, Latin-1 (Windows-1252) and `;`."""
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for n in range(count):
        writer.writerow(work(n, publishers, rng))
    return out.getvalue().encode("cp1252")
