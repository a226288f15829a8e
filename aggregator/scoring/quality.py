"""Metadata quality of one dataset, after data.europa.eu's Metadata Quality
Assessment (MQA), on what can be checked offline from the snapshot's record.

MQA scores five dimensions (findability 100 points, accessibility 100,
interoperability 110, reusability 75, contextuality 20: 405). Its metrics that
need the network (is the access or download URL answering?) or data the records
do not carry (DCAT-AP conformance of the source's RDF, access rights, rights
statements) are left out, and said so on the method page: a dataset is scored
over the 275 points that can be checked, as a percentage, and rated with MQA's
bands (excellent from 351/405 = 86.7%, good from 54.6%, sufficient from 29.9%).

A metric about files (format, media type, size...) earns the share of the
dataset's resources that meet it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from operator import mul

from ..records import Dataset, License
from .base import half_up
from .vocab import KNOWN_FORMATS, MACHINE_READABLE, OPEN_FORMATS, known_license

DIMENSIONS = {"encontrabilidad": "Encontrabilidad", "accesibilidad": "Accesibilidad",
              "interoperabilidad": "Interoperabilidad", "reutilizacion": "Reutilización",
              "contexto": "Contexto"}


@dataclass(frozen=True)
class Metric:
    id: str
    dimension: str
    label: str          # what is missing, as "Falta: ..." says it
    points: int         # MQA's points (the default in PORTAL_SCORECARD)


METRICS = (
    Metric("palabras_clave", "encontrabilidad", "palabras clave", 30),
    Metric("temas", "encontrabilidad", "temas", 30),
    Metric("cobertura_espacial", "encontrabilidad", "cobertura geográfica", 20),
    Metric("cobertura_temporal", "encontrabilidad", "cobertura temporal", 20),
    Metric("url_descarga", "accesibilidad", "URL de descarga", 20),
    Metric("formato", "interoperabilidad", "formato de los archivos", 20),
    Metric("tipo_medio", "interoperabilidad", "tipo de medio (media type)", 10),
    Metric("formato_conocido", "interoperabilidad", "formato de un vocabulario conocido", 10),
    Metric("formato_abierto", "interoperabilidad", "formato abierto", 20),
    Metric("legible_por_maquina", "interoperabilidad", "formato legible por máquina", 20),
    Metric("licencia", "reutilizacion", "licencia", 20),
    Metric("licencia_conocida", "reutilizacion", "licencia de un vocabulario conocido", 10),
    Metric("punto_de_contacto", "reutilizacion", "punto de contacto", 20),
    Metric("publicador", "reutilizacion", "publicador", 10),
    Metric("tamano", "contexto", "tamaño de los archivos", 5),
    Metric("fecha_publicacion", "contexto", "fecha de publicación", 5),
    Metric("fecha_modificacion", "contexto", "fecha de modificación", 5),
)
METRIC_IDS = tuple(m.id for m in METRICS)

# MQA metrics not computed here: (id, dimension, label, MQA points, why).
NETWORK = "necesita consultar la red en cada cosecha; el portal no lo hace"
LEFT_OUT = (
    ("url_acceso_disponible", "accesibilidad", "la URL de acceso responde", 50, NETWORK),
    ("url_descarga_disponible", "accesibilidad", "la URL de descarga responde", 30, NETWORK),
    ("conformidad_dcat_ap", "interoperabilidad", "conformidad con DCAT-AP", 30,
     "se valida sobre el RDF original de la fuente; el portal guarda registros normalizados"),
    ("restricciones_acceso", "reutilizacion", "restricciones de acceso", 10,
     "los registros del portal no guardan los derechos de acceso"),
    ("vocabulario_acceso", "reutilizacion", "derechos de acceso de un vocabulario", 5,
     "los registros del portal no guardan los derechos de acceso"),
    ("derechos", "contexto", "declaración de derechos", 5,
     "los registros del portal no guardan la declaración de derechos"),
)

# MQA's bands over 405 points, as percentages: (minimum %, label).
RATINGS = ((86.7, "Excelente"), (54.6, "Buena"), (29.9, "Suficiente"), (0.0, "Deficiente"))


@dataclass(frozen=True, slots=True)
class Quality:
    percent: float                  # 0-100, one decimal
    rating: str
    earned: float
    possible: float
    missing: tuple[str, ...]        # metric ids with nothing (none of the files)
    partial: tuple[str, ...]        # metric ids some files meet and others not


@lru_cache(maxsize=4096)
def _known(lic: tuple) -> bool:
    return known_license(License(*lic))


@lru_cache(maxsize=4096)
def _format_flags(fmt: str | None) -> tuple[bool, bool, bool, bool]:
    """(has a format, known, open, machine-readable) of a resource's format."""
    if not fmt:
        return False, False, False, False
    name = fmt.strip().lstrip(".").upper()
    name = {"GEOJSON": "GEOJSON", "JSONLD": "JSON-LD", "JPG": "JPEG"}.get(name, name)
    return True, name in KNOWN_FORMATS, name in OPEN_FORMATS, name in MACHINE_READABLE


class QualityCheck:
    """dataset -> Quality, with the points and bands of the method in use."""

    def __init__(self, points: dict[str, float], ratings=RATINGS):
        self.points = tuple(float(points.get(m, 0)) for m in METRIC_IDS)
        self.possible = sum(self.points)
        self.ratings = tuple(sorted(((float(lo), label) for lo, label in ratings),
                                    reverse=True))

    def shares(self, ds: Dataset) -> tuple[float, ...]:
        """Share (0..1) of each metric, in METRIC_IDS order."""
        res = ds.resources
        n = len(res)
        url = fmt = media = known = opened = machine = size = 0
        for r in res:
            has, k, o, m = _format_flags(r.format)
            url += r.url is not None
            fmt += has
            known += k
            opened += o
            machine += m
            media += r.media_type is not None
            size += r.size is not None
        per = 1.0 / n if n else 0.0
        lic = ds.license
        return (1.0 if ds.tags else 0.0, 1.0 if ds.themes else 0.0,
                1.0 if ds.spatial else 0.0, 1.0 if ds.temporal else 0.0,
                url * per, fmt * per, media * per, known * per, opened * per, machine * per,
                1.0 if lic is not None else 0.0,
                1.0 if lic is not None and _known((lic.id, lic.title, lic.url)) else 0.0,
                1.0 if ds.contact_point else 0.0,
                1.0 if (ds.publisher or ds.institution) else 0.0,
                size * per, 1.0 if ds.issued else 0.0, 1.0 if ds.modified else 0.0)

    def percent(self, ds: Dataset) -> float:
        """Only the percentage (what the scorecard needs of 100,000 datasets)."""
        if not self.possible:
            return 0.0
        return half_up(100.0 * sum(map(mul, self.shares(ds), self.points)) / self.possible, 1)

    def __call__(self, ds: Dataset) -> Quality:
        shares = self.shares(ds)
        earned = sum(map(mul, shares, self.points))
        percent = half_up(100.0 * earned / self.possible, 1) if self.possible else 0.0
        counted = [(mid, s) for mid, s, p in zip(METRIC_IDS, shares, self.points) if p > 0]
        return Quality(percent, self.rate(percent), half_up(earned, 2), self.possible,
                       tuple(mid for mid, s in counted if s == 0.0),
                       tuple(mid for mid, s in counted if 0.0 < s < 1.0))

    def rate(self, percent: float) -> str:
        for low, label in self.ratings:
            if percent >= low:
                return label
        return self.ratings[-1][1]


LABELS = {m.id: m.label for m in METRICS}


def missing_text(ids) -> str:
    """'licencia, fecha de modificación' for the metric ids given."""
    return ", ".join(LABELS[i] for i in ids)
