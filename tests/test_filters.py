"""Template filters: Spanish dates, numbers, sizes and update frequencies."""

from __future__ import annotations

import pytest

from plugins.portal_site.filters import fecha, frecuencia, numero, tamano


@pytest.mark.parametrize("value, expected", [
    # ISO 8601 repeating durations, as DCAT-US and DCAT-AR write them (bundled snapshot)
    ("R/P1M", "Mensual"), ("R/P3M", "Trimestral"), ("R/P1Y", "Anual"), ("R/P1D", "Diaria"),
    ("R/P0.5M", "Quincenal"), ("R/PT1S", "Continua"), ("R/P5D", "Cada 5 días"),
    ("R/P18M", "Cada 18 meses"), ("P1W", "Semanal"),
    # Dublin Core and EU vocabularies
    ("http://purl.org/cld/freq/quarterly", "Trimestral"),
    ("http://publications.europa.eu/resource/authority/frequency/ANNUAL", "Anual"),
    ("http://publications.europa.eu/resource/authority/frequency/IRREG", "Irregular"),
    # words, English or already Spanish
    ("irregular", "Irregular"), ("monthly", "Mensual"), ("as needed", "Según necesidad"),
    ("mensual", "Mensual"), ("Anual", "Anual"),
    # unknown values are shown as the source wrote them; nothing for nothing
    ("cuando haya elecciones", "cuando haya elecciones"), ("R/PXYZ", "R/PXYZ"),
    (None, ""), ("", ""),
])
def test_frequency_in_spanish(value, expected):
    assert frecuencia(value) == expected


def test_dates_numbers_and_sizes_in_spanish():
    assert fecha("2024-03-05") == "5 de marzo de 2024"
    assert fecha("2024-03-05T10:30:00-03:00", "long-time") == "5 de marzo de 2024, 10:30"
    assert fecha("no es una fecha") == "no es una fecha"
    assert numero(1234567) == "1.234.567" and numero(1.25) == "1,2"
    assert tamano(1536) == "1,5 KB" and tamano(512) == "512 bytes" and tamano(None) == ""
